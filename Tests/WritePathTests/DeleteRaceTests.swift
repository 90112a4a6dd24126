import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// Upserts and deletes travel in different queues, so their order is not the ERP's: whichever arrives first, a
    /// delete newer than an add leaves no item behind (per-item locks and tombstones).
    @Suite("Delete and upsert racing", .serialized, .timeLimit(.minutes(3)))
    struct DeleteRaceTests {
        @Test("a delete newer than an add wins, whichever worker gets its message first")
        func newerDeleteWins() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                let originIds = (1...40).map { "D-RACE-\($0)" }
                let epoch = 1_780_000_000.0
                try await harness.withWorkers(.upsert) {
                    try await harness.withWorkers(.delete) {
                        var messages: [String] = []
                        for (index, originId) in originIds.enumerated() {
                            let add = {
                                try await harness.publishChange(portal: portal, originId: originId, changedAt: epoch)
                            }
                            let delete = {
                                try await harness.publishChange(
                                    portal: portal,
                                    originId: originId,
                                    op: .delete,
                                    changedAt: epoch + 10
                                )
                            }
                            // Half the items see their delete published first.
                            if index.isMultiple(of: 2) {
                                messages.append(try await add())
                                messages.append(try await delete())
                            } else {
                                messages.append(try await delete())
                                messages.append(try await add())
                            }
                        }
                        let expected = Set(messages)
                        try await harness.eventually("every message settled", timeout: .seconds(90)) {
                            let rows =
                                try await harness.ledger(portal: portal, operation: .upsert)
                                + harness.ledger(portal: portal, operation: .delete)
                            let settled = rows.filter { ["done", "stale", "superseded"].contains($0.status) }
                            return expected.isSubset(of: Set(settled.compactMap(\.messageID)))
                        }
                    }
                }
                let left = harness.portals.items(on: portal).compactMap(\.originId).filter { $0.hasPrefix("D-RACE-") }
                #expect(left.isEmpty, "items a newer delete should have removed: \(left.sorted())")
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
            }
        }
    }
}
