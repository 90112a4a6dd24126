package import SyncCore

/// The item map row written with a successful upsert: which portal item an ERP id is, and what was last applied.
package struct ItemMapEntry: Sendable {
    package var portal: String
    package var entityTypeId: Int
    package var originId: String
    package var itemID: Int64
    package var changedAt: Double
    package var payloadHash: String
    package var erpFields: JSONValue
    package var portalUpdatedTime: String?

    package init(
        portal: String,
        entityTypeId: Int,
        originId: String,
        itemID: Int64,
        changedAt: Double,
        payloadHash: String,
        erpFields: JSONValue,
        portalUpdatedTime: String?
    ) {
        self.portal = portal
        self.entityTypeId = entityTypeId
        self.originId = originId
        self.itemID = itemID
        self.changedAt = changedAt
        self.payloadHash = payloadHash
        self.erpFields = erpFields
        self.portalUpdatedTime = portalUpdatedTime
    }

    var jsonValue: JSONValue {
        var object: JSONObject = [
            "portal": .string(portal), "entity_type_id": .int(Int64(entityTypeId)), "origin_id": .string(originId),
            "item_id": .int(itemID), "changed_at": .double(changedAt), "payload_hash": .string(payloadHash),
            "erp_fields": erpFields,
        ]
        object["portal_updated_time"] = portalUpdatedTime.map(JSONValue.string)
        return .object(object)
    }
}
