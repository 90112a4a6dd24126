package import Foundation

/// What the fleet tells the ERP (`b24.change.v1`, schemas/b24.change.v1.schema.json), published to `b24.changes`
/// with routing key `<entity>.<kind>`.
package struct B24Change: Codable, Sendable, Equatable {
    /// What happened to the item.
    package enum Kind: String, Codable, Sendable, CaseIterable {
        /// An ERP change reached the portal; `id` is the portal's.
        case synced
        /// Someone or something on the portal changed the item; `drift` lists ERP-owned fields that now differ.
        case changed
        case deleted
        /// The portal cannot delete: close the item on the ERP side.
        case softClose = "soft_close"
    }

    package static let schemaName = "b24.change.v1"

    package var schema: String
    package var kind: Kind
    package var portal: String
    package var entity: String
    package var entityTypeId: Int
    /// The portal's item id.
    package var id: Int64
    /// Absent only for an item the ERP never sent.
    package var originId: String?
    /// The item's updatedTime as the portal reports it, with the portal's offset.
    package var updatedTime: RFC3339Timestamp?
    /// The item's fields as the portal returns them.
    package var item: JSONValue?
    /// ERP-owned fields whose portal value differs from what the ERP last sent.
    package var drift: [String]?
    /// The W3C trace id (32 lowercase hex digits) carried from publish to portal call.
    package var traceId: String

    package init(
        kind: Kind,
        portal: String,
        entity: String,
        entityTypeId: Int,
        id: Int64,
        originId: String?,
        updatedTime: RFC3339Timestamp?,
        item: JSONValue?,
        drift: [String]?,
        traceId: String
    ) {
        self.schema = Self.schemaName
        self.kind = kind
        self.portal = portal
        self.entity = entity
        self.entityTypeId = entityTypeId
        self.id = id
        self.originId = originId
        self.updatedTime = updatedTime
        self.item = item
        self.drift = drift
        self.traceId = traceId
    }

    /// The routing key on `b24.changes`: `<entity>.<kind>`.
    package var routingKey: String { "\(entity).\(kind.rawValue)" }

    /// Decodes a message body, keeping `item` exactly as sent.
    package static func decode(from data: Data) throws -> B24Change {
        let document = try JSONValue(parsing: data)
        var change = try JSONDecoder().decode(B24Change.self, from: data)
        change.item = document["item"]
        return change
    }

    /// The JSON body in the documented field order, ready to publish.
    package var jsonValue: JSONValue {
        var object = JSONObject()
        object["schema"] = .string(schema)
        object["kind"] = .string(kind.rawValue)
        object["portal"] = .string(portal)
        object["entity"] = .string(entity)
        object["entityTypeId"] = .int(Int64(entityTypeId))
        object["id"] = .int(id)
        if let originId { object["originId"] = .string(originId) }
        if let updatedTime { object["updatedTime"] = .string(updatedTime.text) }
        if let item { object["item"] = item }
        if let drift { object["drift"] = .array(drift.map { .string($0) }) }
        object["traceId"] = .string(traceId)
        return .object(object)
    }
}
