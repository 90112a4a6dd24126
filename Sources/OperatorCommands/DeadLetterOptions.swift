import ArgumentParser

/// The selectors every `dead` subcommand takes.
struct DeadLetterOptions: ParsableArguments {
    @Option(help: "Only this operation's dead letters: upsert, delete or pull.")
    var operation: String?

    @Option(help: "Only messages for this portal (domain).")
    var portal: String?

    @Option(help: "Only this ERP entity (deal, service_ticket).")
    var entity: String?

    @Option(name: .customLong("origin-id"), help: "Only this ERP id (originId).")
    var originId: String?

    @Option(
        name: .customLong("error-code"),
        help: "Only this error code (x-error-code: schema, QUERY_LIMIT_EXCEEDED…)."
    )
    var errorCode: String?

    @Option(help: "At most this many messages.")
    var limit: Int?

    var selector: DeadLetterSelector {
        DeadLetterSelector(
            operation: operation,
            portal: portal,
            entity: entity,
            originId: originId,
            errorCode: errorCode
        )
    }

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }
}
