import ArgumentParser
import FleetRuntime

/// `syncctl replay --from hold`: puts drained messages back in their work queues.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Move the messages of the hold queues back to their work queues.",
        discussion: """
            Same guarantees as drain: each message once, even when interrupted and run again; headers kept. \
            Dead letters are replayed with `syncctl dead replay`.
            Exit codes: 0 done; 5 another drain or replay is running; 64 bad usage; 1 failed (run again).
            """
    )

    @Option(help: "Where the messages wait: only 'hold' (dead letters: syncctl dead replay).")
    var from: String

    @Option(name: .customLong("queue"), help: "A work queue or operation to replay (repeatable); default: all.")
    var queues: [String] = []

    @Flag(help: "Print the counts as JSON.")
    var json = false

    func validate() throws {
        guard from == "hold" else {
            throw ValidationError("--from takes 'hold'; dead letters are replayed with `syncctl dead replay`")
        }
    }

    func run() async throws {
        try await reportingOperatorErrors {
            let context = CommandContext()
            let report = try await MoveSession.run(context) { session in
                var report = QueueMoveReport(command: "replay", passes: 1, moves: [], remaining: [:])
                for family in try session.queues.selecting(queues) {
                    guard try await session.depth(of: family.hold) != nil else { continue }
                    report.add(
                        try await session.mover.run(
                            QueueMove(
                                source: family.hold,
                                target: family.work,
                                purpose: "replay"
                            )
                        )
                    )
                    report.remaining[family.hold] = try await session.depth(of: family.hold)
                }
                return report
            }
            if json { try context.printJSON(report) } else { print(report.text) }
        }
    }
}
