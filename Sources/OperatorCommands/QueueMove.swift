package import AMQPClient

/// One source-to-target move: which messages to take, how to rewrite their headers, and what to do just before
/// their copies are published.
package struct QueueMove: Sendable {
    package var source: String
    package var target: String
    /// `drain`, `replay` or `dead-replay`: recorded in the journal.
    package var purpose: String
    /// At most this many selected messages are moved; nil for all.
    package var limit: Int?
    /// Which messages to move; the others stay in the source, in their order.
    package var select: @Sendable (AMQPDelivery) -> Bool
    /// The copy's properties from the original's; the mover then stamps its own headers.
    package var rewrite: @Sendable (AMQPProperties) -> AMQPProperties
    /// Runs once per batch before its copies are published (dead replay reopens the ledger keys there).
    package var beforePublishing: (@Sendable ([AMQPDelivery]) async throws -> Void)?

    package init(
        source: String,
        target: String,
        purpose: String,
        limit: Int? = nil,
        select: @escaping @Sendable (AMQPDelivery) -> Bool = { _ in true },
        rewrite: @escaping @Sendable (AMQPProperties) -> AMQPProperties = { $0 },
        beforePublishing: (@Sendable ([AMQPDelivery]) async throws -> Void)? = nil
    ) {
        self.source = source
        self.target = target
        self.purpose = purpose
        self.limit = limit
        self.select = select
        self.rewrite = rewrite
        self.beforePublishing = beforePublishing
    }
}

/// What one move did, for the operator's counts and `--json`.
package struct QueueMoveResult: Sendable, Codable, Equatable {
    package var source: String
    package var target: String
    /// Copies published to the target and originals acknowledged in this run.
    package var moved: Int
    /// Originals acknowledged without a new copy: an interrupted run had already published theirs.
    package var alreadyMoved: Int
    /// Copies an interrupted run left unconfirmed that were found in the target (and so not published again).
    package var recovered: Int
    /// Messages the selectors did not take, left in the source in their order.
    package var left: Int

    package init(
        source: String,
        target: String,
        moved: Int = 0,
        alreadyMoved: Int = 0,
        recovered: Int = 0,
        left: Int = 0
    ) {
        self.source = source
        self.target = target
        self.moved = moved
        self.alreadyMoved = alreadyMoved
        self.recovered = recovered
        self.left = left
    }
}
