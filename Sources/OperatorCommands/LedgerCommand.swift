import ArgumentParser

/// `syncctl ledger show`: the history of one item across operations.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Look at what the fleet recorded about an item.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The history of one item: ledger rows of every operation, item map, tombstone, queue moves.",
            discussion: "Exit code 3 when nothing is recorded for it."
        )

        @Argument(help: "An idempotency key, an ERP originId, or a message id.")
        var key: String

        @Option(help: "Only this portal (an originId may exist on several).")
        var portal: String?

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                let context = CommandContext()
                let history = try await context.withDatabase { pool in
                    try await LedgerHistory.load(key, portal: portal, pool: pool)
                }
                guard !history.isEmpty else {
                    throw OperatorCommandError(
                        .notFound,
                        "nothing is recorded for '\(key)'" + (portal.map { " on \($0)" } ?? "")
                            + "; give an idempotency key, an originId or a message id"
                    )
                }
                if json { try context.printJSON(history) } else { print(history.text) }
            }
        }
    }
}
