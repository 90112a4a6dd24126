/// What PostgreSQL knows about one change before it is written: the ledger row of its key (if any) and the item
/// map row of its item (if any).
package struct LedgerState: Sendable, Equatable {
    /// The ledger status of the key: `done`, `in_progress`, `failed`, `stale`, `superseded`, `dead`, or nil.
    package var status: String?
    package var ledgerItemID: Int64?
    /// The portal item id from the item map, if the item was written before.
    package var mappedItemID: Int64?
    /// The `changedAt` of the newest change applied to the item, as Unix seconds.
    package var lastChangedAt: Double?
    /// The `changedAt` of the newest delete of the item, as Unix seconds, if the ERP deleted it.
    package var deletedAt: Double?
    /// Whether any upsert of the item, under any key, may have reached the portal (a ledger row in progress,
    /// failed or done): a look-up made before that cannot be trusted.
    package var touched: Bool = false
    /// Seconds since the newest attempt on the item (any key) that went `in_progress` and never recorded an answer:
    /// a worker that died there may still have a write in flight, which can land on the portal after a look-up.
    package var unansweredAge: Double?
    /// The stage the fleet last wrote for the item (from the item map's snapshot), if it wrote one.
    package var writtenStage: String?

    package init(
        status: String? = nil,
        ledgerItemID: Int64? = nil,
        mappedItemID: Int64? = nil,
        lastChangedAt: Double? = nil,
        deletedAt: Double? = nil,
        touched: Bool = false,
        unansweredAge: Double? = nil,
        writtenStage: String? = nil
    ) {
        self.status = status
        self.ledgerItemID = ledgerItemID
        self.mappedItemID = mappedItemID
        self.lastChangedAt = lastChangedAt
        self.deletedAt = deletedAt
        self.touched = touched
        self.unansweredAge = unansweredAge
        self.writtenStage = writtenStage
    }

    /// Whether a change made at `changedAt` is older than what the item already went through (a newer upsert or
    /// delete), and must not be applied.
    package func isStale(changedAt: Double) -> Bool {
        (lastChangedAt.map { $0 > changedAt } ?? false) || (deletedAt.map { $0 >= changedAt } ?? false)
    }

    /// A previous attempt may have reached the portal without its outcome being recorded.
    package var mayHaveWritten: Bool { status == "in_progress" || status == "failed" }
}
