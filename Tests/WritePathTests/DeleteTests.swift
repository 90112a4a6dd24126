import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// ERP deletes: the item goes from the portal, a missing item counts as deleted, and a portal without
    /// `crm.item.delete` gets a soft close on the ERP side instead (capability matrix fallback).
    @Suite("Delete", .serialized, .timeLimit(.minutes(3)))
    struct DeleteTests {
        static let epoch = 1_780_000_000.0

        /// Creates `originId` on `portal` through the upsert worker and returns its portal id.
        static func createItem(_ originId: String, on portal: String, harness: WritePathHarness) async throws -> Int {
            let messageID = try await harness.publishChange(portal: portal, originId: originId, changedAt: epoch)
            try await harness.withWorkers(.upsert) {
                try await harness.eventually("\(originId) exists on the portal") {
                    try await harness.ledger(portal: portal).contains {
                        $0.messageID == messageID && $0.status == "done"
                    }
                }
            }
            return try #require(harness.portals.items(on: portal).first { $0.originId == originId }?.id)
        }

        @Test("deleting an existing item removes it and publishes <entity>.deleted; a missing item counts as done")
        func deleteRemovesItemAndMissingItemIsDone() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                let kept = try await Self.createItem("D-KEEP", on: portal, harness: harness)
                let doomed = try await Self.createItem("D-DEL", on: portal, harness: harness)
                try await harness.withWorkers(.delete) {
                    // No portal id in the message: the worker finds it through the item map.
                    let deleted = try await harness.publishChange(
                        portal: portal,
                        originId: "D-DEL",
                        op: .delete,
                        changedAt: Self.epoch + 10
                    )
                    let missing = try await harness.publishChange(
                        portal: portal,
                        originId: "D-NEVER-SENT",
                        op: .delete,
                        changedAt: Self.epoch + 10
                    )
                    try await harness.eventually("both deletes are done") {
                        let done = try await harness.ledger(portal: portal, operation: .delete)
                            .filter { $0.status == "done" }.compactMap(\.messageID)
                        return Set([deleted, missing]).isSubset(of: Set(done))
                    }
                    let rows = try await harness.ledger(portal: portal, operation: .delete)
                    #expect(rows.first { $0.messageID == deleted }?.itemID == Int64(doomed))
                    #expect(rows.first { $0.messageID == missing }?.errorCode == "already_gone")
                    #expect(harness.portals.items(on: portal).map(\.id) == [kept], "only the deleted item is gone")
                    #expect(harness.portals.counters(of: portal).calls("crm.item.delete") == 1)
                    #expect(try await harness.itemMap(portal: portal)["D-DEL"] == nil, "the item map forgets the item")

                    // The outcome is published after the ledger commit: wait for it rather than race it.
                    try await harness.eventually("the deleted outcome is published") {
                        try await !harness.outcomes(portal: portal).filter { $0.kind == .deleted }.isEmpty
                    }
                    let outcomes = try await harness.outcomes(portal: portal).filter { $0.kind == .deleted }
                    #expect(outcomes.count == 1)
                    #expect(outcomes.first?.id == Int64(doomed))
                    #expect(outcomes.first?.originId == "D-DEL")
                    #expect(outcomes.first?.routingKey == "deal.deleted")
                }
                #expect(try await harness.drain(harness.deleteDeadLetterQueue).isEmpty)
            }
        }

        @Test("on a portal without crm.item.delete a soft_close is published and nothing is deleted")
        func portalWithoutDeleteGetsSoftClose() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal(disabledMethods: ["crm.item.delete"])
                let itemID = try await Self.createItem("D-SOFT", on: portal, harness: harness)
                try await harness.withWorkers(.delete) {
                    let messageID = try await harness.publishChange(
                        portal: portal,
                        originId: "D-SOFT",
                        op: .delete,
                        changedAt: Self.epoch + 10
                    )
                    try await harness.eventually("the soft close is published") {
                        try await harness.outcomes(portal: portal).contains { $0.kind == .softClose }
                    }
                    let outcomes = try await harness.outcomes(portal: portal)
                    let softClose = outcomes.filter { $0.kind == .softClose }
                    #expect(softClose.count == 1)
                    #expect(softClose.first?.id == Int64(itemID))
                    #expect(softClose.first?.originId == "D-SOFT")
                    #expect(softClose.first?.routingKey == "deal.soft_close")
                    #expect(!outcomes.contains { $0.kind == .deleted })
                    #expect(harness.portals.items(on: portal).map(\.id) == [itemID], "the item must stay on the portal")
                    #expect(harness.portals.counters(of: portal).calls("crm.item.delete") == 0)
                    try await harness.eventually("the delete is recorded") {
                        try await harness.ledger(portal: portal, operation: .delete)
                            .contains { $0.messageID == messageID && $0.status == "done" }
                    }
                }
                #expect(try await harness.drain(harness.deleteDeadLetterQueue).isEmpty)
            }
        }
    }
}
