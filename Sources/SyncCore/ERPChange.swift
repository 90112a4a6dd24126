package import Foundation

/// The ERP's change message (`erp.change.v1`, schemas/erp.change.v1.schema.json): a deal or a service ticket changed
/// on the ERP side and must reach the portal.
package struct ERPChange: Codable, Sendable, Equatable {
    /// What the ERP asks for.
    package enum Operation: String, Codable, Sendable {
        case upsert
        case delete
    }

    package static let schemaName = "erp.change.v1"

    package var schema: String
    /// Unique per publish; traces the message end to end.
    package var messageId: String
    /// The portal's host name, e.g. `acme.bitrix24.ru`.
    package var portal: String
    /// An entity of the contract's entity mapping (`deal`, `service_ticket`).
    package var entity: String
    package var op: Operation
    /// The ERP's id of the item (originId on deals, xmlId on smart processes).
    package var originId: String
    /// The portal's item id when the ERP knows it (optional; useful for deletes).
    package var id: Int64?
    /// Orders changes for one item: an older change than the newest applied one is stale.
    package var changedAt: RFC3339Timestamp
    /// crm.item field names and values in the order the ERP sent them; required for upserts.
    package var fields: JSONValue?

    package init(
        messageId: String,
        portal: String,
        entity: String,
        op: Operation,
        originId: String,
        id: Int64? = nil,
        changedAt: RFC3339Timestamp,
        fields: JSONValue?
    ) {
        self.schema = Self.schemaName
        self.messageId = messageId
        self.portal = portal
        self.entity = entity
        self.op = op
        self.originId = originId
        self.id = id
        self.changedAt = changedAt
        self.fields = fields
    }

    /// Decodes a message body, keeping `fields` exactly as sent (member order, `1500` versus `1500.0`).
    ///
    /// Validate the body with ``JSONSchemaValidator`` first: this only checks what decoding needs.
    /// - Throws: ``JSONParseError`` for bad JSON, `DecodingError` for a missing or mistyped member.
    package static func decode(from data: Data) throws -> ERPChange {
        try decode(from: JSONValue(parsing: data))
    }

    /// Decodes a body already parsed (and validated): a worker parses each message once.
    /// - Throws: `DecodingError` for a missing or mistyped member.
    package static func decode(from document: JSONValue) throws(DecodingError) -> ERPChange {
        func text(_ key: String) throws(DecodingError) -> String {
            guard let value = document[key]?.stringValue else { throw mistyped(key, "a string") }
            return value
        }
        guard let op = document["op"]?.stringValue.flatMap(Operation.init(rawValue:)) else {
            throw mistyped("op", "\"upsert\" or \"delete\"")
        }
        let stamp = try text("changedAt")
        guard let changedAt = RFC3339Timestamp(stamp) else {
            throw mistyped("changedAt", "an RFC 3339 date-time such as 2026-02-24T10:15:00Z, not \"\(stamp)\"")
        }
        let id: Int64?
        switch document["id"] {
        case nil, .null?: id = nil
        case let value?:
            guard let number = value.integerValue else { throw mistyped("id", "an integer") }
            id = number
        }
        var change = ERPChange(
            messageId: try text("messageId"),
            portal: try text("portal"),
            entity: try text("entity"),
            op: op,
            originId: try text("originId"),
            id: id,
            changedAt: changedAt,
            fields: document["fields"]
        )
        change.schema = try text("schema")
        return change
    }

    private static func mistyped(_ key: String, _ expected: String) -> DecodingError {
        DecodingError.dataCorrupted(
            DecodingError.Context(
                codingPath: [],
                debugDescription: "member \"\(key)\" must be \(expected)"
            )
        )
    }

    /// The hex SHA-256 of the canonical JSON of ``fields`` (the upsert key's `payloadHash`).
    package var payloadHash: String {
        PayloadHash.of(fields ?? .object(JSONObject()))
    }

    /// The JSON body in field order, as the ERP would publish it.
    package var jsonValue: JSONValue {
        var object = JSONObject()
        object["schema"] = .string(schema)
        object["messageId"] = .string(messageId)
        object["portal"] = .string(portal)
        object["entity"] = .string(entity)
        object["op"] = .string(op.rawValue)
        object["originId"] = .string(originId)
        if let id { object["id"] = .int(id) }
        object["changedAt"] = .string(changedAt.text)
        if let fields { object["fields"] = fields }
        return .object(object)
    }
}
