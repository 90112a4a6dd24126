import PortalSimulator
import Testing

/// The `/_sim/` control surface: create portals at run time, seed, read items, count calls.
@Suite struct AdminAPITests {
    /// A box portal with its own smart process (1300), no deals and no crm.item.delete: no rate limit, no `operating`,
    /// deals are "SPA not found", delete is "Method not found!".
    @Test func portalsCreatedAtRunTime() async throws {
        try await SimulatorHarness().run { client in
            let created = try await client.admin(
                .post,
                "portals",
                [
                    "domain": "box.example.com", "plan": "box", "smartProcessEntityTypeId": 1300,
                    "entityTypeIds": [1300],
                    "disabledMethods": ["crm.item.delete"], "webhookCode": "boxcode", "memberId": "m-1",
                ]
            )
            #expect(created.status == 201)
            #expect(created.json["memberId"] == "m-1")
            #expect(created.json["webhookUrl"] == "http://127.0.0.1:8090/portal/box.example.com/rest/1/boxcode/")
            let box = SimulatorClient(client: client.client, webhookPath: "/portal/box.example.com/rest/1/boxcode/")
            for _ in 0..<60 { #expect(try await box.call("server.time").status == 200) }
            let seeded = try await box.call("crm.item.add", ["entityTypeId": 1300, "fields": ["title": "t"]])
            #expect(seeded.json.at("result", "item", "stageId") == "DT1300_7:NEW")
            #expect(seeded.json.at("time", "operating") == nil)
            #expect(
                try await box.call("crm.item.list", ["entityTypeId": 2]).json["error_description"] == "SPA not found"
            )
            #expect(try await box.call("crm.item.delete", ["entityTypeId": 1300, "id": 1]).status == 404)
            let items = try await client.admin(.get, "portals/box.example.com/items?entityTypeId=1300")
            #expect(items.json["items"]?.elements.count == 1)
            let stats = try await client.admin(.get, "portals/box.example.com/stats")
            #expect(stats.json.at("callsByMethod", "server.time") == .int(60))
            #expect(stats.json.at("errorsByCode", "ERROR_METHOD_NOT_FOUND") == .int(1))
            let all = try await client.admin(.get, "portals")
            #expect(all.json.elements.count == 2)
        }
    }

    /// Portals are also chosen by Host header; a renamed host answers 302 to the new host.
    @Test func hostHeaderRoutingAndRedirect() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.admin(.post, "portals", ["domain": "localhost", "webhookCode": "local"])
            #expect(try await client.get("/rest/1/local/server.time.json").status == 200)
            _ = try await client.admin(.post, "portals/localhost/rename", ["domain": "renamed.example.com"])
            let moved = try await client.get("/rest/1/local/server.time.json")
            #expect(moved.status == 302)
            #expect(moved.location == "http://renamed.example.com/rest/1/local/server.time.json")
        }
    }

    /// Reset clears items and counters but keeps the identity.
    @Test func resetEmptiesThePortal() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 2, "count": 5]
            )
            let reset = try await client.admin(.post, "portals/\(SimulatorHarness.domain)/reset")
            #expect(reset.status == 200)
            let list = try await client.call("crm.item.list", ["entityTypeId": 2])
            #expect(list.json["total"] == .int(0))
            let stats = try await client.admin(.get, "portals/\(SimulatorHarness.domain)/stats")
            #expect(stats.json.at("callsByMethod", "crm.item.list") == .int(1))
        }
    }
}
