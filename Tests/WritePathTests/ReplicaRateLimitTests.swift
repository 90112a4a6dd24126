import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// The portal's request limit is shared by every replica through the budget in PostgreSQL, so adding replicas
    /// does not turn into `QUERY_LIMIT_EXCEEDED` storms (DESIGN.md, "Portal rate limits").
    @Suite("Replicas and the portal limit", .serialized, .timeLimit(.minutes(4)))
    struct ReplicaRateLimitTests {
        @Test("three upsert replicas against a standard portal stay under 1% refused requests")
        func threeReplicasShareTheLimit() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal(limited: true)
                let originIds = (1...600).map { "D-\($0)" }
                let epoch = 1_780_000_000.0
                try await harness.withWorkers(.upsert, count: 3) {
                    // Published while the replicas run, so that they share the work in many small batches.
                    for originId in originIds {
                        try await harness.publishChange(portal: portal, originId: originId, changedAt: epoch)
                    }
                    try await harness.eventually("all 600 items exist", timeout: .seconds(180)) {
                        harness.portals.items(on: portal).count >= originIds.count
                    }
                }
                let items = harness.portals.items(on: portal)
                #expect(items.count == originIds.count)
                #expect(Set(items.compactMap(\.originId)) == Set(originIds))
                let counters = harness.portals.counters(of: portal)
                let requests = counters.requests
                #expect(requests > 0)
                #expect(
                    Double(counters.rateLimitRefusals) < 0.01 * Double(requests),
                    "\(counters.rateLimitRefusals) of \(requests) requests were refused with QUERY_LIMIT_EXCEEDED"
                )
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
            }
        }
    }
}
