package import SyncCore

/// One ledger row to write: the outcome of one message for one idempotency key.
package struct LedgerEntry: Sendable {
    package var key: String
    package var operation: SyncOperation
    package var portal: String
    package var entityTypeId: Int
    package var originId: String?
    package var itemID: Int64?
    package var status: String
    package var attempts: Int
    package var payloadHash: String?
    package var changedAt: Double?
    package var messageID: String?
    package var traceID: String?
    package var errorCode: String?
    package var errorMessage: String?

    package init(
        key: String,
        operation: SyncOperation,
        portal: String,
        entityTypeId: Int,
        originId: String?,
        itemID: Int64? = nil,
        status: String,
        attempts: Int,
        payloadHash: String? = nil,
        changedAt: Double? = nil,
        messageID: String? = nil,
        traceID: String? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil
    ) {
        self.key = key
        self.operation = operation
        self.portal = portal
        self.entityTypeId = entityTypeId
        self.originId = originId
        self.itemID = itemID
        self.status = status
        self.attempts = attempts
        self.payloadHash = payloadHash
        self.changedAt = changedAt
        self.messageID = messageID
        self.traceID = traceID
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }

    var jsonValue: JSONValue {
        var object: JSONObject = [
            "key": .string(key), "operation": .string(operation.rawValue), "portal": .string(portal),
            "entity_type_id": .int(Int64(entityTypeId)), "status": .string(status), "attempts": .int(Int64(attempts)),
        ]
        object["origin_id"] = originId.map(JSONValue.string)
        object["item_id"] = itemID.map(JSONValue.int)
        object["payload_hash"] = payloadHash.map(JSONValue.string)
        object["changed_at"] = changedAt.map(JSONValue.double)
        object["message_id"] = messageID.map(JSONValue.string)
        object["trace_id"] = traceID.map(JSONValue.string)
        object["error_code"] = errorCode.map(JSONValue.string)
        object["error_message"] = errorMessage.map(JSONValue.string)
        return .object(object)
    }
}
