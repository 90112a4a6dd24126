/// CRM events as the portal raises them: online handlers get a form-encoded POST, offline bindings
/// keep the latest record per object (`api-reference/events/index.md`, `offline-events.md`).
extension PortalState {
    /// The three item changes that raise events.
    package enum ChangeKind: String, Sendable {
        case add = "ADD"
        case update = "UPDATE"
        case delete = "DELETE"
    }

    /// Event names the portal accepts in `event.bind` for its entity types.
    package var knownEvents: Set<String> {
        var names: Set<String> = ["ONAPPTEST", "ONOFFLINEEVENT"]
        for kind in [ChangeKind.add, .update, .delete] {
            names.insert("ONCRMDEAL" + kind.rawValue)
            names.insert("ONCRMDYNAMICITEM" + kind.rawValue)
            for entityTypeId in schemas.keys where entityTypeId != 2 {
                names.insert("ONCRMDYNAMICITEM\(kind.rawValue)_\(entityTypeId)")
            }
        }
        return names
    }

    /// Raises the event for a change: deals raise `ONCRMDEAL*`, smart processes `ONCRMDYNAMICITEM*`
    /// (and the per-type `ONCRMDYNAMICITEM*_<entityTypeId>`).
    mutating func fire(_ kind: ChangeKind, schema: EntityTypeSchema, id: Int, now: Double, origin: ChangeOrigin) {
        var names: [String]
        var fields: [JSONMember] = [JSONMember(key: "ID", value: .string(String(id)))]
        if schema.isDeal {
            names = ["ONCRMDEAL" + kind.rawValue]
        } else {
            names = ["ONCRMDYNAMICITEM" + kind.rawValue, "ONCRMDYNAMICITEM\(kind.rawValue)_\(schema.entityTypeId)"]
            fields.append(JSONMember(key: "ENTITY_TYPE_ID", value: .string(String(schema.entityTypeId))))
        }
        let data: JSONValue = ["FIELDS": .object(fields)]
        for name in names {
            for binding in bindings where binding.event == name {
                if binding.isOffline {
                    queueOffline(name: name, data: data, objectKey: "\(schema.entityTypeId):\(id)", now: now)
                } else {
                    outbox.append(
                        .deliver(
                            url: binding.handler,
                            body: eventBody(
                                name,
                                binding: binding,
                                data: data,
                                now: now,
                                withTokens: origin != .automation
                            ),
                            eventName: name
                        )
                    )
                }
            }
        }
    }

    /// The form body a handler receives: `event`, `event_handler_id`, `data[FIELDS][ID]`, `ts`, `auth[...]`.
    /// Changes made by a user (REST or UI) carry a token pair as in the documented examples; changes made by
    /// automation carry none (`_includes/auth-params-in-events.md`).
    package mutating func eventBody(
        _ name: String,
        binding: EventBinding,
        data: JSONValue,
        now: Double,
        withTokens: Bool
    ) -> [UInt8] {
        var auth: [JSONMember] = []
        let tokens = withTokens ? issueTokens(now: now) : nil
        if let tokens {
            auth += [
                JSONMember(key: "access_token", value: .string(tokens.access)),
                JSONMember(key: "expires_in", value: .string(String(Int(configuration.accessTokenLifetimeSeconds)))),
                JSONMember(key: "scope", value: .string(configuration.scopes.joined(separator: ","))),
            ]
        }
        auth.append(JSONMember(key: "domain", value: .string(configuration.domain)))
        auth.append(JSONMember(key: "server_endpoint", value: "https://oauth.bitrix.info/rest/"))
        if tokens != nil { auth.append(JSONMember(key: "status", value: "L")) }
        auth.append(JSONMember(key: "client_endpoint", value: .string(clientEndpoint)))
        auth.append(JSONMember(key: "member_id", value: .string(configuration.memberId)))
        if let tokens { auth.append(JSONMember(key: "refresh_token", value: .string(tokens.refresh))) }
        auth.append(JSONMember(key: "application_token", value: .string(configuration.applicationToken)))
        let body: JSONValue = [
            "event": .string(name),
            "event_handler_id": .string(String(binding.id)),
            "data": data,
            "ts": .string(String(Int(now))),
            "auth": .object(auth),
        ]
        return Array(FormParameters.encode(body).utf8)
    }

    private mutating func queueOffline(name: String, data: JSONValue, objectKey: String, now: Double) {
        let key = name + "|" + objectKey
        let stamp = dates.string(fromUnix: now)
        let messageId = String(PortalState.randomToken().prefix(32))
        if let index = offlineQueue.firstIndex(where: { $0.objectKey == key && $0.processId == nil }) {
            offlineQueue[index].timestamp = stamp
            offlineQueue[index].data = data
            offlineQueue[index].messageId = messageId
            return
        }
        offlineQueue.append(
            OfflineEvent(
                id: nextOfflineId,
                timestamp: stamp,
                eventName: name,
                data: data,
                messageId: messageId,
                objectKey: key,
                processId: nil
            )
        )
        nextOfflineId += 1
    }
}
