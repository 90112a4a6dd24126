import PortalSimulator
import Testing

/// Request and operating-time limits (`limits.md`, `_includes/system-errors.md`), driven by a manual clock.
@Suite struct LimitsTests {
    /// 51 requests at the same instant: 50 fit the bucket, the 51st gets HTTP 503 QUERY_LIMIT_EXCEEDED.
    @Test func burstBeyondTheBucketIsRefused() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            for _ in 0..<50 {
                let answer = try await client.call("server.time")
                #expect(answer.status == 200)
            }
            let refused = try await client.call("server.time")
            #expect(refused.status == 503)
            #expect(refused.json == ["error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"])
            harness.clock.advance(by: 0.5)
            try await expectStatus(200, client.call("server.time"))
            let stats = try await client.admin(.get, "portals/\(SimulatorHarness.domain)/stats")
            #expect(stats.json["rateLimitRefusals"] == .int(1))
            #expect(stats.json.at("errorsByCode", "QUERY_LIMIT_EXCEEDED") == .int(1))
        }
    }

    /// A steady 2 requests/s (one every 0.5 s) after a full burst is never refused.
    @Test func requestsWithinTheDrainRateAreNeverRefused() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            for _ in 0..<50 { try await expectStatus(200, client.call("server.time")) }
            for _ in 0..<300 {
                harness.clock.advance(by: 0.5)
                try await expectStatus(200, client.call("server.time"))
            }
        }
    }

    /// Enterprise portals: 5/s draining 250.
    @Test func enterprisePortalHasTheLargerBucket() async throws {
        let harness = SimulatorHarness(portals: [
            PortalConfiguration(domain: SimulatorHarness.domain, plan: .enterprise)
        ])
        try await harness.run { client in
            for _ in 0..<250 { try await expectStatus(200, client.call("server.time")) }
            try await expectStatus(503, client.call("server.time"))
            harness.clock.advance(by: 0.2)
            try await expectStatus(200, client.call("server.time"))
        }
    }

    /// A box (on-premise) portal has no request limit.
    @Test func boxPortalHasNoRequestLimit() async throws {
        let harness = SimulatorHarness(portals: [PortalConfiguration(domain: SimulatorHarness.domain, plan: .box)])
        try await harness.run { client in
            for _ in 0..<300 { try await expectStatus(200, client.call("server.time")) }
        }
    }

    /// `batch` with 50 commands counts as ONE request: 49 calls + 1 batch of 50 fill the bucket exactly.
    @Test func batchCountsAsOneRequest() async throws {
        try await SimulatorHarness().run { client in
            for _ in 0..<49 { try await expectStatus(200, client.call("server.time")) }
            let commands = (0..<50).map { JSONMember(key: "c\($0)", value: "server.time") }
            let batch = try await client.call("batch", ["cmd": .object(commands)])
            #expect(batch.status == 200)
            #expect(batch.json.at("result", "result")?.members.count == 50)
            try await expectStatus(503, client.call("server.time"))
        }
    }

    /// More than 50 commands → 400 ERROR_BATCH_LENGTH_EXCEEDED (`settings/how-to-call-rest-api/batch.md`).
    @Test func batchOfMoreThanFiftyCommandsIsRefused() async throws {
        try await SimulatorHarness().run { client in
            let commands = (0..<51).map { JSONMember(key: "c\($0)", value: "server.time") }
            let batch = try await client.call("batch", ["cmd": .object(commands)])
            #expect(batch.status == 400)
            #expect(batch.json["error"] == "ERROR_BATCH_LENGTH_EXCEEDED")
        }
    }

    /// Operating time: once a method's accumulated time reaches the budget the NEXT call gets HTTP 429
    /// OPERATION_TIME_LIMIT; other methods keep working; the block lifts when the window passes.
    @Test func operatingTimeLimitBlocksOneMethod() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let limits = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/limits",
                ["operatingBudgetSeconds": 10, "operatingCostSeconds": ["crm.item.list": 4]]
            )
            #expect(limits.status == 200)
            var last: SimulatorClient.Answer?
            for _ in 0..<3 {
                last = try await client.call("crm.item.list", ["entityTypeId": 2])
                #expect(last?.status == 200)
            }
            #expect(last?.json.at("time", "operating") == .double(12))
            let resetAt = try #require(last?.json.at("time", "operating_reset_at")?.intValue)
            #expect(resetAt > Int(harness.clock.now()))
            let blocked = try await client.call("crm.item.list", ["entityTypeId": 2])
            #expect(blocked.status == 429)
            #expect(
                blocked.json == [
                    "error": "OPERATION_TIME_LIMIT",
                    "error_description": "Method is blocked due to operation time limit.",
                ]
            )
            try await expectStatus(200, client.call("crm.item.fields", ["entityTypeId": 2]))
            harness.clock.advance(by: Double(resetAt) - harness.clock.now() + 1)
            try await expectStatus(200, client.call("crm.item.list", ["entityTypeId": 2]))
        }
    }

    /// Inside a batch each nested call is accounted; a blocked method fails in `result_error` only.
    @Test func operatingLimitInsideBatchFailsOnlyThatCommand() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/limits",
                ["operatingBudgetSeconds": 5, "operatingCostSeconds": ["crm.item.list": 5]]
            )
            let batch = try await client.call(
                "batch",
                ["cmd": ["a": "crm.item.list?entityTypeId=2", "b": "crm.item.list?entityTypeId=2", "c": "server.time"]]
            )
            #expect(batch.status == 200)
            #expect(batch.json.at("result", "result", "a") != nil)
            #expect(batch.json.at("result", "result_error", "b", "error") == "OPERATION_TIME_LIMIT")
            #expect(batch.json.at("result", "result", "c") != nil)
            #expect(batch.json.at("result", "result_time", "a", "operating") == .double(5))
            #expect(batch.json.at("time", "operating") == nil)
        }
    }
}
