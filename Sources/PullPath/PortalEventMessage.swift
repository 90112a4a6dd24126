package import SyncCore

/// A unit of pull work on `b24.events` (schema `b24.event.v1`): one item that may have changed on the portal.
///
/// The gateway publishes one per Bitrix24 event, the polling fallback, offline events and `syncctl resync` one per
/// item they find. Events carry only the item's id, so the pull worker fetches the item's state itself.
package struct PortalEventMessage: Sendable, Equatable {
    package static let schemaName = "b24.event.v1"

    /// What happened to the item, as far as the sender knows.
    package enum Action: String, Sendable, CaseIterable {
        case add, update, delete
    }

    /// Who found the change.
    package enum Source: String, Sendable, CaseIterable {
        case gateway, offline, poll, resync
    }

    package var portal: String
    /// The Bitrix24 event name (`ONCRMDEALUPDATE`) or, for polls and resyncs, `POLL` / `RESYNC`.
    package var event: String
    package var source: Source
    package var action: Action
    package var entityTypeId: Int
    package var id: Int64
    /// The event's `ts` (Unix seconds), when it came from an event.
    package var ts: Int64?
    /// The item's `updatedTime` when the sender already knows it (polls list it).
    package var updatedTime: String?
    /// The change was made by automation (a robot, a workflow): Bitrix24 sends no tokens with such events.
    package var byAutomation: Bool
    package var traceId: String

    package init(
        portal: String,
        event: String,
        source: Source,
        action: Action,
        entityTypeId: Int,
        id: Int64,
        ts: Int64? = nil,
        updatedTime: String? = nil,
        byAutomation: Bool = false,
        traceId: String = TraceID.random()
    ) {
        self.portal = portal
        self.event = event
        self.source = source
        self.action = action
        self.entityTypeId = entityTypeId
        self.id = id
        self.ts = ts
        self.updatedTime = updatedTime
        self.byAutomation = byAutomation
        self.traceId = traceId
    }

    /// The routing key on `b24.events`: `<entity>.<action>` (`deal.update`).
    package func routingKey(entity: String) -> String { "\(entity).\(action.rawValue)" }

    package var jsonValue: JSONValue {
        var object: JSONObject = [
            "schema": .string(Self.schemaName), "portal": .string(portal), "event": .string(event),
            "source": .string(source.rawValue), "action": .string(action.rawValue),
            "entityTypeId": .int(Int64(entityTypeId)), "id": .int(id),
        ]
        if let ts { object["ts"] = .int(ts) }
        if let updatedTime { object["updatedTime"] = .string(updatedTime) }
        object["byAutomation"] = .bool(byAutomation)
        object["traceId"] = .string(traceId)
        return .object(object)
    }

    /// Reads a message body; nil when it is not a `b24.event.v1` (the worker dead-letters it).
    package init?(bytes: [UInt8]) {
        guard let document = try? JSONValue(parsing: bytes), document["schema"]?.stringValue == Self.schemaName,
            let portal = document["portal"]?.stringValue,
            let source = document["source"]?.stringValue.flatMap(Source.init(rawValue:)),
            let action = document["action"]?.stringValue.flatMap(Action.init(rawValue:)),
            let entityTypeId = document["entityTypeId"]?.integerValue, let id = document["id"]?.integerValue
        else { return nil }
        self.init(
            portal: portal,
            event: document["event"]?.stringValue ?? "",
            source: source,
            action: action,
            entityTypeId: Int(entityTypeId),
            id: id,
            ts: document["ts"]?.integerValue,
            updatedTime: document["updatedTime"]?.stringValue,
            byAutomation: document["byAutomation"]?.boolValue ?? false,
            traceId: document["traceId"]?.stringValue.flatMap { TraceID.isValid($0) ? $0 : nil } ?? TraceID.random()
        )
    }
}
