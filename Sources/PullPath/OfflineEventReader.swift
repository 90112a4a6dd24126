import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
import ServiceLifecycle
import SyncCore

/// Offline events, a second path beside the gateway where the portal offers them (`feature.get`
/// `rest_offline_extended`; application auth only): reads the queue with `event.offline.get` and `clear=0` (the
/// records are reserved under a `process_id`, not deleted), queues each for pull with a confirm, and only then
/// clears them with `event.offline.clear`. A reader that dies in between leaves the records reserved on the
/// portal; they are never lost, and the pull ledger drops a record queued twice.
package struct OfflineEventReader: Service {
    private let pool: PQPool
    private let portals: PortalDirectory
    private let events: PortalEventPublisher
    private let tokens: OAuthTokenRefresher
    private let interval: Duration
    private let logger: Logger

    package init(
        pool: PQPool,
        portals: PortalDirectory,
        events: PortalEventPublisher,
        tokens: OAuthTokenRefresher,
        interval: Duration = .seconds(30),
        logger: Logger
    ) {
        self.pool = pool
        self.portals = portals
        self.events = events
        self.tokens = tokens
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await readAll()
            } catch {
                logger.warning("reading offline events failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass over every OAuth portal that offers offline events; returns how many records were queued.
    @discardableResult
    package func readAll() async throws -> Int {
        var queued = 0
        for registration in try await PortalRegistry(pool: pool).all()
        where registration.enabled && registration.webhookURL == nil {
            guard let portal = try await portals.connection(for: registration.domain) else { continue }
            var client = portal.client
            do {
                let feature = try await call(&client, portal, "feature.get", ["CODE": "rest_offline_extended"])
                guard feature.result["value"]?.stringValue == "Y" else { continue }
                queued += try await drain(&client, portal)
            } catch {
                logger.warning(
                    "offline events of a portal could not be read",
                    metadata: ["portal": "\(portal.domain)", "error": "\(error)"]
                )
            }
        }
        return queued
    }

    private func drain(_ client: inout Bitrix24Client, _ portal: PortalConnection) async throws -> Int {
        var queued = 0
        while true {
            let answer = try await call(&client, portal, "event.offline.get", ["clear": 0, "limit": 50])
            let records = answer.result["events"]?.arrayValue ?? []
            guard let processID = answer.result["process_id"]?.stringValue, !records.isEmpty else { return queued }
            var messageIDs: [JSONValue] = []
            for record in records {
                if let messageID = record["MESSAGE_ID"]?.stringValue { messageIDs.append(.string(messageID)) }
                guard let message = Self.message(from: record, portal: portal.domain),
                    let entity = portal.registration.entityTypes.first(where: { $0.value == message.entityTypeId })?.key
                else { continue }
                try await events.publish(
                    message,
                    routingKey: message.routingKey(entity: entity),
                    messageID: "offline:\(portal.domain)|\(record["MESSAGE_ID"]?.stringValue ?? "")"
                )
                queued += 1
            }
            _ = try await call(
                &client,
                portal,
                "event.offline.clear",
                ["process_id": .string(processID), "message_id": .array(messageIDs)]
            )
        }
    }

    /// The pull work an offline record stands for; nil for a record that is not a CRM item event.
    static func message(from record: JSONValue, portal: String) -> PortalEventMessage? {
        guard let name = record["EVENT_NAME"]?.stringValue, let event = CRMEventName(name),
            let fields = record["EVENT_DATA"]?["FIELDS"],
            let id = fields["ID"]?.stringValue.flatMap({ Int64($0) }) ?? fields["ID"]?.integerValue
        else { return nil }
        let type = event.entityTypeId ?? fields["ENTITY_TYPE_ID"]?.stringValue.flatMap { Int($0) }
        guard let entityTypeId = type else { return nil }
        let ts = record["TIMESTAMP_X"]?.stringValue.flatMap(RFC3339Timestamp.init).map { Int64($0.secondsSince1970) }
        return PortalEventMessage(
            portal: portal,
            event: name.uppercased(),
            source: .offline,
            action: event.action,
            entityTypeId: entityTypeId,
            id: id,
            ts: ts
        )
    }

    /// One call; an expired token is refreshed once for the fleet and the call repeated with the new client.
    private func call(
        _ client: inout Bitrix24Client,
        _ portal: PortalConnection,
        _ method: String,
        _ params: JSONObject
    ) async throws -> Bitrix24Response {
        do {
            return try await client.call(method, params)
        } catch let error where error.code == .expiredToken {
            client = try await tokens.refreshedClient(for: portal, after: error)
            portals.invalidate()
            return try await client.call(method, params)
        }
    }
}
