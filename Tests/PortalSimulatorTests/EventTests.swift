import PortalSimulator
import Testing

/// Events (`api-reference/events/index.md`, `api-reference/crm/deals/events/on-crm-deal-update.md`,
/// `api-reference/crm/universal/events/on-crm-dynamic-item-update.md`, `api-reference/events/event-offline-get.md`)
/// and robots (automation that edits an item after a stage change).
@Suite struct EventTests {
    /// event.bind → `{"result": true}`; event.get lists it; a deal update POSTs the documented form keys.
    @Test func dealUpdateDeliversTheDocumentedForm() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let bound = try await client.appCall(
                "event.bind",
                ["event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/hook"]
            )
            #expect(bound.json["result"] == true)
            let listed = try await client.appCall("event.get")
            #expect(
                listed.json.at("result", 0) == [
                    "event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/hook", "auth_type": "0", "offline": 0,
                ]
            )
            let duplicate = try await client.appCall(
                "event.bind",
                ["event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/hook"]
            )
            #expect(duplicate.status == 400)
            #expect(duplicate.json["error"] == "ERROR_HANDLER_ALREADY_EXIST")
            let unknown = try await client.appCall(
                "event.bind",
                ["event": "ONNOTHING", "handler": "http://127.0.0.1:9/hook"]
            )
            #expect(unknown.json["error"] == "ERROR_EVENT_NOT_FOUND")

            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            _ = try await client.call("crm.item.update", ["entityTypeId": 2, "id": 1, "fields": ["title": "B"]])
            let deliveries = try await harness.delivery.waitFor(count: 1)
            #expect(deliveries.count == 1)
            let form = try #require(deliveries.first?.form)
            #expect(deliveries.first?.url == "http://127.0.0.1:9/hook")
            #expect(form["event"] == "ONCRMDEALUPDATE")
            #expect(form["event_handler_id"] == "1")
            #expect(form.at("data", "FIELDS", "ID") == "1")
            #expect(form["ts"]?.intValue == Int(harness.clock.now()))
            #expect(form.at("auth", "domain") == .string(SimulatorHarness.domain))
            #expect(form.at("auth", "member_id") == .string(harness.portal.update { $0.configuration.memberId }))
            #expect(
                form.at("auth", "application_token")
                    == .string(harness.portal.update { $0.configuration.applicationToken })
            )
            #expect(
                form.at("auth", "client_endpoint")
                    == .string("http://127.0.0.1:8090/portal/\(SimulatorHarness.domain)/rest/")
            )
            #expect(form.at("auth", "server_endpoint") == "https://oauth.bitrix.info/rest/")
            #expect(form.at("auth", "expires_in") == "3600")
            let eventToken = try #require(form.at("auth", "access_token")?.stringValue)
            let withEventToken = SimulatorClient(
                client: client.client,
                webhookPath: client.webhookPath,
                accessToken: eventToken
            )
            #expect(try await withEventToken.appCall("server.time").status == 200)
            let unbound = try await client.appCall(
                "event.unbind",
                ["event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/hook"]
            )
            #expect(unbound.json.at("result", "count") == .int(1))
        }
    }

    /// event-bind.md: "works only in the context of application authorization" → a webhook gets 403 WRONG_AUTH_TYPE.
    @Test func eventMethodsNeedApplicationAuth() async throws {
        try await SimulatorHarness().run { client in
            let refused = try await client.call(
                "event.bind",
                ["event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/h"]
            )
            #expect(refused.status == 403)
            #expect(refused.json["error"] == "WRONG_AUTH_TYPE")
            #expect(try await client.call("event.offline.get").status == 403)
        }
    }

    /// Smart-process changes raise ONCRMDYNAMICITEM* with `data[FIELDS][ENTITY_TYPE_ID]`; deals never do.
    @Test func smartProcessEventsCarryTheEntityType() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            _ = try await client.appCall(
                "event.bind",
                ["event": "ONCRMDYNAMICITEMADD", "handler": "http://127.0.0.1:9/spa"]
            )
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "deal"]])
            _ = try await client.call("crm.item.add", ["entityTypeId": 1280, "fields": ["title": "ticket"]])
            let deliveries = try await harness.delivery.waitFor(count: 1)
            #expect(deliveries.count == 1)
            #expect(deliveries.first?.form["event"] == "ONCRMDYNAMICITEMADD")
            #expect(deliveries.first?.form.at("data", "FIELDS", "ENTITY_TYPE_ID") == "1280")
            #expect(deliveries.first?.form.at("data", "FIELDS", "ID") == "1")
        }
    }

    /// A failed delivery is never resent: later changes deliver their own events only.
    @Test func failedDeliveryIsNotResent() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            _ = try await client.appCall("event.bind", ["event": "ONCRMDEALADD", "handler": "http://127.0.0.1:9/add"])
            harness.delivery.setFailing(true)
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "lost"]])
            _ = try await harness.delivery.waitFor(count: 1)
            harness.delivery.setFailing(false)
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "second"]])
            let deliveries = try await harness.delivery.waitFor(count: 2)
            try await Task.sleep(for: .milliseconds(100))
            #expect(harness.delivery.deliveries.count == 2)
            #expect(deliveries.map { $0.form.at("data", "FIELDS", "ID") } == ["1", "2"])
            let stats = try await client.admin(.get, "portals/\(SimulatorHarness.domain)/stats")
            #expect(stats.json["eventDeliveryFailures"] == .int(1))
            #expect(stats.json["eventsSent"] == .int(1))
        }
    }

    /// A robot ("on entering WON set title after 20 ms") changes the item, bumps updatedTime and fires the update event.
    @Test func robotChangeFiresAnEvent() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let rules: JSONValue = [
                "rules": [["entityTypeId": 2, "stageId": "WON", "fields": ["title": "Closed by robot"], "delayMs": 20]]
            ]
            #expect(try await client.admin(.post, "portals/\(SimulatorHarness.domain)/robots", rules).status == 200)
            _ = try await client.appCall(
                "event.bind",
                ["event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/upd"]
            )
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            let moved = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["stageId": "WON"]]
            )
            let movedTime = try #require(moved.json.at("result", "item", "updatedTime")?.stringValue)
            let deliveries = try await harness.delivery.waitFor(count: 2)
            #expect(deliveries.count == 2)
            #expect(deliveries.allSatisfy { $0.form["event"] == "ONCRMDEALUPDATE" })
            #expect(deliveries[0].form.at("auth", "access_token") != nil)
            #expect(deliveries[1].form.at("auth", "access_token") == nil)
            #expect(deliveries[1].form.at("auth", "application_token") != nil)
            let after = try await client.call("crm.item.get", ["entityTypeId": 2, "id": 1])
            #expect(after.json.at("result", "item", "title") == "Closed by robot")
            let robotTime = try #require(after.json.at("result", "item", "updatedTime")?.stringValue)
            #expect(robotTime > movedTime)
        }
    }

    /// Offline events keep the latest record per item; `clear=0` reserves under `process_id`, `event.offline.clear`
    /// removes them.
    @Test func offlineEventsKeepLatestStatePerItem() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let bound = try await client.appCall("event.bind", ["event": "ONCRMDEALUPDATE", "event_type": "offline"])
            #expect(bound.json["result"] == true)
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 2, "count": 2]
            )
            for round in 0..<5 {
                harness.clock.advance(by: 1)
                _ = try await client.call(
                    "crm.item.update",
                    ["entityTypeId": 2, "id": 1, "fields": ["title": .string("v\(round)")]]
                )
            }
            _ = try await client.call("crm.item.update", ["entityTypeId": 2, "id": 2, "fields": ["title": "other"]])
            let reserved = try await client.appCall("event.offline.get", ["clear": 0])
            let events = reserved.json.at("result", "events")?.elements ?? []
            #expect(events.count == 2)
            #expect(
                events.first?.keys == [
                    "ID", "TIMESTAMP_X", "EVENT_NAME", "EVENT_DATA", "EVENT_ADDITIONAL", "MESSAGE_ID",
                ]
            )
            #expect(events.first?["EVENT_NAME"] == "ONCRMDEALUPDATE")
            #expect(events.compactMap { $0.at("EVENT_DATA", "FIELDS", "ID") } == ["1", "2"])
            let process = try #require(reserved.json.at("result", "process_id")?.stringValue)
            let hidden = try await client.appCall("event.offline.get", ["clear": 0])
            #expect(hidden.json.at("result", "events")?.elements.isEmpty == true)
            let cleared = try await client.appCall("event.offline.clear", ["process_id": .string(process)])
            #expect(cleared.json["result"] == true)
            let listed = try await client.appCall("event.offline.list")
            #expect(listed.json["result"] == .array([]))
            _ = try await client.call("crm.item.update", ["entityTypeId": 2, "id": 1, "fields": ["title": "again"]])
            let destructive = try await client.appCall("event.offline.get")
            #expect(destructive.json.at("result", "events")?.elements.count == 1)
            #expect(destructive.json.at("result", "process_id") == .null)
            let empty = try await client.appCall("event.offline.get")
            #expect(empty.json.at("result", "events")?.elements.isEmpty == true)
        }
    }

    /// A user's edit through the admin API behaves like a UI edit: it fires the event.
    @Test func userEditFiresEvent() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            _ = try await client.appCall(
                "event.bind",
                ["event": "ONCRMDEALUPDATE", "handler": "http://127.0.0.1:9/upd"]
            )
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            let edit = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/items/2/1",
                ["fields": ["title": "edited"], "userId": 7]
            )
            #expect(edit.json.at("item", "updatedBy") == .int(7))
            let deliveries = try await harness.delivery.waitFor(count: 1)
            #expect(deliveries.first?.form["event"] == "ONCRMDEALUPDATE")
        }
    }

    /// The same simulator can be served twice (e.g. restarted in a test); background work resumes.
    @Test func eventsFlowAfterTheApplicationIsRunAgain() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            _ = try await client.appCall("event.bind", ["event": "ONCRMDEALADD", "handler": "http://127.0.0.1:9/a"])
        }
        try await harness.run { client in
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "after restart"]])
            let deliveries = try await harness.delivery.waitFor(count: 1)
            #expect(deliveries.count == 1)
        }
    }
}
