import ArgumentParser
import FleetRuntime

/// `syncctl resume`: clears a pause and a rollback trip; replicas subscribe again within seconds.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume the fleet: clears the pause and the rollback trip; replicas subscribe again within seconds.",
        discussion: """
            The rollback trigger's window restarts at the resume, so the failures that tripped it do not trip it \
            again. Exit codes: 0 resumed; 1 the database could not be written.
            """
    )

    @Option(help: "Who resumes it (default: $USER@host).")
    var by: String?

    @Flag(help: "Print the resulting state as JSON.")
    var json = false

    func run() async throws {
        let context = CommandContext()
        let actor = by ?? OperatorIdentity.current
        let (before, after) = try await context.withDatabase { pool in
            let control = FleetControl(pool: pool)
            let before = try await control.state()
            try await control.resume(by: actor)
            return (before, try await control.state())
        }
        if json {
            try context.printJSON(after)
        } else {
            print("fleet resumed by \(actor) (was: \(before.summary))")
        }
    }
}
