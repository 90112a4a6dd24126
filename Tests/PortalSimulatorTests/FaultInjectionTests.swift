import PortalSimulator
import Testing

/// Injected faults: 503, 500 before/after the write, slow answers and dropped connections.
@Suite struct FaultInjectionTests {
    /// `http500` with `afterWrite` answers INTERNAL_SERVER_ERROR but the item exists; `count` limits the hits.
    @Test func internalErrorAfterTheWriteWasApplied() async throws {
        try await SimulatorHarness().run { client in
            let rules: JSONValue = [
                "rules": [["method": "crm.item.add", "action": "http500", "count": 1, "afterWrite": true]]
            ]
            #expect(try await client.admin(.post, "portals/\(SimulatorHarness.domain)/faults", rules).status == 200)
            let failed = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "maybe"]])
            #expect(failed.status == 500)
            #expect(failed.json == ["error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"])
            let check = try await client.call("crm.item.list", ["entityTypeId": 2, "filter": ["title": "maybe"]])
            #expect(check.json["total"] == .int(1))
            let second = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "ok"]])
            #expect(second.status == 200)
            let stats = try await client.admin(.get, "portals/\(SimulatorHarness.domain)/stats")
            #expect(stats.json["faultsInjected"] == .int(1))
            #expect(stats.json.at("errorsByCode", "INTERNAL_SERVER_ERROR") == .int(1))
        }
    }

    /// `http500` before the write changes nothing; `http503` answers QUERY_LIMIT_EXCEEDED.
    @Test func errorsBeforeTheWriteChangeNothing() async throws {
        try await SimulatorHarness().run { client in
            let rules: JSONValue = [
                "rules": [
                    ["method": "crm.item.add", "action": "http500", "count": 1],
                    ["method": "crm.item.update", "action": "http503", "count": 1],
                ]
            ]
            _ = try await client.admin(.post, "portals/\(SimulatorHarness.domain)/faults", rules)
            #expect(try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "x"]]).status == 500)
            let list = try await client.call("crm.item.list", ["entityTypeId": 2])
            #expect(list.json["total"] == .int(0))
            let throttled = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["title": "y"]]
            )
            #expect(throttled.status == 503)
            #expect(throttled.json["error"] == "QUERY_LIMIT_EXCEEDED")
        }
    }

    /// CLI form of a rule.
    @Test func faultFlagsParse() throws {
        let rule = try #require(FaultRule(flag: "crm.item.add:http500:2:after"))
        #expect(rule == FaultRule(method: "crm.item.add", action: .internalError, count: 2, afterWrite: true))
        let slow = try #require(FaultRule(flag: "*:slow"))
        #expect(slow.delayMilliseconds == 65_000)
        let chance = try #require(FaultRule(flag: "crm.item.list:http503::0.25"))
        #expect(chance.probability == 0.25)
        #expect(chance.remaining == nil)
        #expect(FaultRule(flag: "nonsense") == nil)
    }

    /// Over a real socket: `drop` closes the connection without an answer (after applying the write), `slow` delays.
    @Test func dropAndSlowOverTheNetwork() async throws {
        let harness = SimulatorHarness()
        try await harness.runLive { client in
            let rules: JSONValue = [
                "rules": [
                    ["method": "server.time", "action": "slow", "count": 1, "delayMs": 300],
                    ["method": "crm.item.add", "action": "drop", "count": 1, "afterWrite": true],
                ]
            ]
            _ = try await client.admin(.post, "portals/\(SimulatorHarness.domain)/faults", rules)
            let started = ContinuousClock.now
            #expect(try await client.call("server.time").status == 200)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            // The test client has one connection; after the drop it is gone, so the write is checked on the state.
            await #expect(throws: (any Error).self) {
                _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "dropped"]])
            }
        }
        #expect(harness.portal.update { $0.items[2]?.count } == 1)
    }
}
