import FleetRuntime
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// A method's operating-time budget (`time.operating`, `OPERATION_TIME_LIMIT`) holds the work for that method
    /// without spending attempts, and the fleet stops calling it before the portal has to refuse.
    @Suite("Operating-time budget", .serialized, .timeLimit(.minutes(3)))
    struct OperatingTimeTests {
        @Test("writes pause for the method's budget to reset, and every change still lands once")
        func pacesByOperatingTime() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                // 50 adds cost 1 s of crm.item.add's 4 s per 6 s: the budget binds after a few batches.
                harness.portals.limitOperatingTime(
                    on: portal,
                    budgetSeconds: 4,
                    windowSeconds: 6,
                    costSeconds: ["crm.item.add": 0.02]
                )
                let originIds = (1...400).map { "D-\($0)" }
                try await harness.withWorkers(.upsert, lanes: 1, operatingBudgetSeconds: 4) {
                    for originId in originIds {
                        try await harness.publishChange(portal: portal, originId: originId, changedAt: 1_780_000_000)
                    }
                    try await harness.eventually("all 400 items exist", timeout: .seconds(120)) {
                        harness.portals.items(on: portal).count >= originIds.count
                    }
                }
                let items = harness.portals.items(on: portal)
                #expect(items.count == originIds.count)
                #expect(Set(items.compactMap(\.originId)) == Set(originIds))
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
                // 400 adds need 8 s of a 4 s budget: without pacing, half of them would be refused; with it, none is.
                let refusals = harness.portals.operatingRefusals(of: portal)
                #expect(refusals == 0, "\(refusals) calls were refused with OPERATION_TIME_LIMIT")
            }
        }
    }
}
