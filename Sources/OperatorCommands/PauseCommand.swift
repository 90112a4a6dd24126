import ArgumentParser
import FleetRuntime
import Foundation

/// `syncctl pause`: stops every replica taking messages, fleet-wide, through PostgreSQL.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause the whole fleet: every replica stops taking new messages within seconds.",
        discussion: """
            Each consumer reads the switch about once a second; when it sees the pause it cancels its subscription, \
            finishes the batches it started and returns every other message it held to its queue. Messages stay \
            queued until `syncctl resume`. Exit codes: 0 paused; 1 the database could not be written.
            """
    )

    @Option(help: "Why the fleet is paused; shown by `syncctl status` and in the workers' logs.")
    var reason = "paused by an operator"

    @Option(help: "Who pauses it (default: $USER@host).")
    var by: String?

    @Flag(help: "Print the resulting state as JSON.")
    var json = false

    func run() async throws {
        let context = CommandContext()
        let actor = by ?? OperatorIdentity.current
        let state = try await context.withDatabase { pool in
            let control = FleetControl(pool: pool)
            try await control.pause(reason: reason, by: actor)
            return try await control.state()
        }
        if json {
            try context.printJSON(state)
        } else {
            print("fleet paused by \(actor): \(reason)")
            print(
                "replicas stop taking messages within seconds; `syncctl status` shows the queues, `syncctl resume` ends it"
            )
        }
    }
}

/// Who runs an operator command, for the audit trail of pause and resume.
enum OperatorIdentity {
    static var current: String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return "\(user)@\(ProcessInfo.processInfo.hostName)"
    }
}
