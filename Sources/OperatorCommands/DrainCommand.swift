import ArgumentParser
import FleetRuntime

/// `syncctl drain`: with the fleet paused, moves every waiting message into the hold queues.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Move every waiting message (work and retry-delay queues) into the hold queues.",
        discussion: """
            Needs a paused fleet (syncctl pause). Each message is published to <queue>.hold with a publisher \
            confirm and recorded in the queue_moves journal before its original is acknowledged, so a drain that \
            is interrupted (even killed) and run again moves every message exactly once. Headers (attempt count, \
            trace id) are kept. Bring the messages back with `syncctl replay --from hold`.
            Exit codes: 0 done; 4 the fleet is not paused; 5 another drain or replay is running; 1 failed (run again).
            """
    )

    @Option(name: .customLong("queue"), help: "A work queue or operation to drain (repeatable); default: all.")
    var queues: [String] = []

    @Option(help: "Passes over the queues while messages keep arriving (retry delays expiring, publishers).")
    var maxPasses = 10

    @Flag(help: "Print the counts as JSON.")
    var json = false

    func run() async throws {
        try await reportingOperatorErrors {
            let context = CommandContext()
            let state = try await context.withDatabase { pool in try await FleetControl(pool: pool).state() }
            guard state.paused else {
                throw OperatorCommandError(
                    .fleetNotPaused,
                    "the fleet is \(state.summary), not paused: consumers would race the drain. Run "
                        + "`syncctl pause --reason <why>` first, wait until `syncctl status` shows no consumer holds "
                        + "messages, then drain"
                )
            }
            let report = try await MoveSession.run(context) { session in
                let families = try session.queues.selecting(queues)
                for family in families {
                    let attached = try await session.consumers(of: family.work)
                    if attached > 0 {
                        FileHandleOutput.standardError(
                            "syncctl: warning: \(attached) consumer(s) still subscribed to \(family.work); what they "
                                + "hold may return to the queue after this drain: check `syncctl status`, then drain again"
                        )
                    }
                }
                return try await Self.drain(families, session: session, maxPasses: maxPasses)
            }
            if json { try context.printJSON(report) } else { print(report.text) }
        }
    }

    /// Moves the retry-delay queues first (their messages would otherwise expire into the work queue mid-drain),
    /// then the work queue, pass after pass until a pass finds nothing.
    static func drain(_ families: [FleetQueues.Family], session: MoveSession, maxPasses: Int) async throws
        -> QueueMoveReport
    {
        var report = QueueMoveReport(command: "drain", passes: 0, moves: [], remaining: [:])
        for pass in 1...max(1, maxPasses) {
            report.passes = pass
            var movedThisPass = 0
            for family in families {
                for source in family.retries + [family.work] {
                    guard try await session.depth(of: source) != nil else { continue }
                    let result = try await session.mover.run(
                        QueueMove(source: source, target: family.hold, purpose: "drain")
                    )
                    movedThisPass += result.moved + result.alreadyMoved + result.recovered
                    report.add(result)
                }
            }
            if movedThisPass == 0 { break }
        }
        for family in families {
            for source in family.retries + [family.work] {
                report.remaining[source] = try await session.depth(of: source)
            }
        }
        return report
    }
}
