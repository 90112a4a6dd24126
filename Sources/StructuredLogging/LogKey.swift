/// The fleet's log metadata keys, in one place so every process spells them the same and log queries work
/// across the fleet (`jq 'select(.trace_id == "…")'`).
package enum LogKey {
    /// W3C trace id carried from publish to portal call.
    package static let traceId = "trace_id"
    /// Portal host name.
    package static let portal = "portal"
    /// The ledger key of the work.
    package static let idempotencyKey = "idempotency_key"
    /// The AMQP / ERP message id.
    package static let messageId = "message_id"
    /// ERP entity name (`deal`, `service_ticket`).
    package static let entity = "entity"
    /// The ERP's id of the item.
    package static let originId = "origin_id"
    /// The portal's item id.
    package static let itemId = "item_id"
    /// `pull`, `upsert`, `delete` or `event`.
    package static let operation = "operation"
    /// Delivery attempt, 1 for the first try.
    package static let attempt = "attempt"
    /// Bitrix24 REST method (`crm.item.update`).
    package static let method = "method"
    /// A machine-readable error code (`QUERY_LIMIT_EXCEEDED`, `503`, `validation`).
    package static let errorCode = "error_code"

    /// Every key above, for tests and log tooling.
    package static let all = [
        traceId, portal, idempotencyKey, messageId, entity, originId, itemId, operation, attempt, method, errorCode,
    ]
}
