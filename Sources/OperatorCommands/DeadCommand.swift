import ArgumentParser
import FleetRuntime

/// `syncctl dead list|show|replay|purge`: the dead-letter queues.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead",
        abstract: "List, show, replay and purge dead letters (<queue>.dead), with selectors.",
        discussion: """
            Selectors (all must match): --operation, --portal, --entity, --origin-id, --error-code; --limit caps \
            the count. Listing takes nothing from the queues and keeps their order.
            """,
        subcommands: [List.self, Show.self, Replay.self, Purge.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List dead letters (the queues are left as they are)."
        )

        @OptionGroup var options: DeadLetterOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                let context = CommandContext()
                let letters = try await DeadCommand.withQueues(context) { dead in
                    try await dead.list(options.selector, limit: options.limit)
                }
                if json { return try context.printJSON(letters) }
                print(DeadLetter.header)
                for letter in letters { print(letter.line) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one dead letter, body and reason included.",
            discussion: "Exit code 3 when no dead letter has that message id."
        )

        @Argument(help: "The message id (messageId of the ERP's message).")
        var messageID: String

        @Flag(help: "Print JSON (the default output is JSON too, indented).")
        var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                let context = CommandContext()
                let letters = try await DeadCommand.withQueues(context) { dead in
                    try await dead.list(DeadLetterSelector(messageID: messageID), limit: nil, includeBody: true)
                }
                guard !letters.isEmpty else {
                    throw OperatorCommandError(.notFound, "no dead letter has message id \(messageID)")
                }
                try context.printJSON(letters[0])
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Republish the selected dead letters to their work queue with a fresh attempt count.",
            discussion: """
                Each selected message is published once to its work queue (publisher confirm, queue_moves journal) \
                and then removed from the dead-letter queue, even when the replay is interrupted and run again. \
                Its ledger key is reopened so that the workers apply it. The others stay in place, in order.
                Exit codes: 0 done; 5 another drain or replay is running; 1 failed (run again).
                """
        )

        @OptionGroup var options: DeadLetterOptions

        @Flag(help: "Print the counts as JSON.")
        var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                let context = CommandContext()
                let selector = options.selector
                let report = try await MoveSession.run(context) { session in
                    var report = QueueMoveReport(command: "dead replay", passes: 1, moves: [], remaining: [:])
                    let pool = session.pool
                    var remaining = options.limit
                    let dead = DeadLetterQueues(queues: session.queues, broker: session.broker)
                    for family in dead.families(for: selector) {
                        if let left = remaining, left <= 0 { break }
                        let operation = family.operation
                        let queue = family.dead
                        let move = QueueMove(
                            source: family.dead,
                            target: family.work,
                            purpose: "dead-replay",
                            limit: remaining,
                            select: { delivery in
                                selector.matches(DeadLetter(delivery, queue: queue, operation: operation, position: 0))
                            },
                            rewrite: DeadLetterReplay.rewrite,
                            beforePublishing: { deliveries in
                                try await DeadLetterReplay.reopenLedgerKeys(of: deliveries, pool: pool)
                            }
                        )
                        let result = try await session.mover.run(move)
                        remaining = remaining.map { $0 - result.moved - result.alreadyMoved }
                        report.add(result)
                        report.remaining[family.dead] = try await session.depth(of: family.dead)
                    }
                    return report
                }
                if json { try context.printJSON(report) } else { print(report.text) }
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the selected dead letters for good.",
            discussion: """
                Without any selector every dead letter of every queue goes: that needs --yes. The others stay in \
                place, in order. Exit code 64 when confirmation is missing.
                """
        )

        @OptionGroup var options: DeadLetterOptions

        @Flag(help: "Confirm a purge without selectors.")
        var yes = false

        @Flag(help: "Print the counts as JSON.")
        var json = false

        func run() async throws {
            try await reportingOperatorErrors {
                let selector = options.selector
                guard !selector.isEmpty || yes else {
                    throw OperatorCommandError(
                        .confirmationRequired,
                        "purge without a selector deletes every dead letter; add selectors, or --yes if you mean it"
                    )
                }
                let context = CommandContext()
                let purged = try await DeadCommand.withQueues(context) { dead in
                    try await dead.purge(selector, limit: options.limit)
                }
                if json { return try context.printJSON(purged) }
                for (queue, count) in purged.sorted(by: { $0.key < $1.key }) { print("\(queue)\t\(count) purged") }
                print("purged: \(purged.values.reduce(0, +)) dead letter(s)")
            }
        }
    }

    static func withQueues<T: Sendable>(_ context: CommandContext, _ body: (DeadLetterQueues) async throws -> T)
        async throws -> T
    {
        let definition = try context.environment.topology()
        let plan = try TopologyPlan(definition: definition, contract: try context.environment.contract())
        let queues = FleetQueues(plan: plan, definition: definition)
        return try await context.withBroker { broker in
            try await body(DeadLetterQueues(queues: queues, broker: broker))
        }
    }
}
