extension IntegrationContract {
    /// Seed §6 pull sync: `portal + entityTypeId + id + updatedTime`.
    package func pullKey(
        portal: String,
        entityTypeId: Int,
        id: Int64,
        updatedTime: String
    ) throws(ContractError) -> IdempotencyKey {
        try IdempotencyKey(
            operation: .pull,
            parts: keyParts(for: .pull),
            values: [
                "portal": portal, "entityTypeId": String(entityTypeId), "id": String(id), "updatedTime": updatedTime,
            ]
        )
    }

    /// Seed §6 create/update: `portal + entityTypeId + originId + payloadHash`.
    ///
    /// `payloadHash` is ``PayloadHash/of(_:)`` of the message's fields.
    package func upsertKey(
        portal: String,
        entityTypeId: Int,
        originId: String,
        payloadHash: String
    ) throws(ContractError) -> IdempotencyKey {
        try IdempotencyKey(
            operation: .upsert,
            parts: keyParts(for: .upsert),
            values: [
                "portal": portal, "entityTypeId": String(entityTypeId), "originId": originId,
                "payloadHash": payloadHash,
            ]
        )
    }

    /// The upsert key of an ERP message once its entity is resolved to an entityTypeId.
    package func upsertKey(for change: ERPChange, entityTypeId: Int) throws(ContractError) -> IdempotencyKey {
        try upsertKey(
            portal: change.portal,
            entityTypeId: entityTypeId,
            originId: change.originId,
            payloadHash: change.payloadHash
        )
    }

    /// Seed §6 delete: `portal + entityTypeId + id + opType`.
    ///
    /// `id` is the portal's item id (from the message or the item map); `opType` tells a real delete from a
    /// soft close so the two outcomes never share a row.
    package func deleteKey(
        portal: String,
        entityTypeId: Int,
        id: Int64,
        opType: String = "delete"
    ) throws(ContractError) -> IdempotencyKey {
        try IdempotencyKey(
            operation: .delete,
            parts: keyParts(for: .delete),
            values: ["portal": portal, "entityTypeId": String(entityTypeId), "id": String(id), "opType": opType]
        )
    }

    /// Seed §5 event intake: `portal + dealId + updatedTime` for an update, `portal + dealId` for an add
    /// (pass `updatedTime: nil`).
    package func eventKey(portal: String, dealId: Int64, updatedTime: String?) throws(ContractError) -> IdempotencyKey {
        var values = ["portal": portal, "dealId": String(dealId)]
        if let updatedTime { values["updatedTime"] = updatedTime }
        let parts = updatedTime == nil ? eventIntake.idempotencyKey.add : eventIntake.idempotencyKey.update
        return try IdempotencyKey(operation: .event, parts: parts, values: values)
    }
}
