package import AMQPClient
package import FleetRuntime
package import SyncCore

/// A consumed ERP change that passed validation: the message, where it goes, and its idempotency key.
package struct ChangeCandidate: Sendable {
    package var delivery: AMQPDelivery
    package var change: ERPChange
    package var portal: PortalConnection
    package var mapping: EntityMapping
    package var entityTypeId: Int
    /// The contract's idempotency key; nil for a delete that names no portal id yet (the delete worker resolves the
    /// id through the item map or the portal, then keys on it).
    package var key: IdempotencyKey?
    /// Retries already spent on this message.
    package var attempt: Int
    package var traceID: String

    package var item: ItemLedger.ItemKey {
        ItemLedger.ItemKey(portal: change.portal, entityTypeId: entityTypeId, originId: change.originId)
    }
}

/// Why a message cannot be processed; permanent problems go to the dead-letter queue at once.
package struct ChangeRejection: Error, Sendable {
    package var code: String
    package var message: String
    /// Whether the problem may pass (the portal could not be asked for its fields): retry instead of dead letter.
    package var isTransient: Bool
    /// Set when the message must wait rather than fail (a portal missing a capability, seed §3): it is held at least
    /// this long without spending an attempt, and never dead-lettered for it.
    package var holdMilliseconds: Int?

    package init(code: String, message: String, isTransient: Bool = false, holdMilliseconds: Int? = nil) {
        self.code = code
        self.message = message
        self.isTransient = isTransient
        self.holdMilliseconds = holdMilliseconds
    }
}
