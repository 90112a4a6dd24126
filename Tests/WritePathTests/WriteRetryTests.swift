import AMQPClient
import FleetRuntime
import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// Retries under the contract's counts (seed §6: 6 for create/update, 3 for delete), through RabbitMQ delay queues
    /// shortened to 50 ms .. 200 ms by the test contract.
    @Suite("Write retries", .serialized, .timeLimit(.minutes(4)))
    struct WriteRetryTests {
        static let epoch = 1_780_000_000.0

        /// Publishes `versions` of each ERP id (newer versions have later `changedAt` and their own title) and
        /// returns the message ids: all of them, and those of each id's newest version.
        static func publishVersions(
            _ versions: ClosedRange<Int>,
            of originIds: [String],
            portal: String,
            harness: WritePathHarness
        ) async throws -> (all: Set<String>, newest: Set<String>) {
            var all: Set<String> = []
            var newest: Set<String> = []
            for originId in originIds {
                for version in versions {
                    let messageID = try await harness.publishChange(
                        portal: portal,
                        originId: originId,
                        changedAt: epoch + Double(version),
                        fields: ["title": .string("\(originId) v\(version)")]
                    )
                    all.insert(messageID)
                    if version == versions.upperBound { newest.insert(messageID) }
                }
            }
            return (all, newest)
        }

        /// Waits until every message of `messages` has a final ledger status, then expects none dead and each of
        /// `newest` done.
        static func expectSettled(
            _ messages: (all: Set<String>, newest: Set<String>),
            portal: String,
            harness: WritePathHarness
        ) async throws {
            try await harness.eventually("every change settled", timeout: .seconds(120)) {
                let settled = try await harness.ledger(portal: portal)
                    .filter { ["done", "stale", "superseded", "dead"].contains($0.status) }
                return messages.all.isSubset(of: Set(settled.compactMap(\.messageID)))
            }
            let rows = try await harness.ledger(portal: portal)
            #expect(rows.filter { $0.status == "dead" }.isEmpty)
            let done = Set(rows.filter { $0.status == "done" }.compactMap(\.messageID))
            #expect(messages.newest.isSubset(of: done), "the newest change of some item was not applied")
        }

        /// Adds run under a fault budget of 6 injected 503s (fewer than the 7 attempts a change has, so none may
        /// die); updates run under an open-ended 30% of batch requests failing. Each phase's first requests fail for
        /// certain, so the test never passes without meeting a fault. (Open-ended 30% on adds could dead-letter a
        /// change after 6 retries by design, when an add needs a look-up request as well as its write.)
        @Test("with 30% of batch requests failing with 503, every change is applied exactly once")
        func transientFailuresApplyEveryChangeOnce() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                let originIds = (1...100).map { "D-\($0)" }
                try await harness.withWorkers(.upsert) {
                    // At most 2 + 4 faults for the adds: fewer than the 7 attempts a change has, so none may die.
                    harness.portals.failBatches(on: portal, probability: 0.3, count: 4, firstAlways: 2)
                    let adds = try await Self.publishVersions(1...1, of: originIds, portal: portal, harness: harness)
                    try await Self.expectSettled(adds, portal: portal, harness: harness)
                    #expect(harness.portals.counters(of: portal).faultsInjected > 0, "no add met a fault")
                    #expect(harness.portals.items(on: portal).count == originIds.count)

                    harness.portals.failBatches(on: portal, probability: 0.3, firstAlways: 1)
                    let faultsBefore = harness.portals.counters(of: portal).faultsInjected
                    let updates = try await Self.publishVersions(2...3, of: originIds, portal: portal, harness: harness)
                    try await Self.expectSettled(updates, portal: portal, harness: harness)
                    #expect(harness.portals.counters(of: portal).faultsInjected > faultsBefore, "no update met a fault")
                }
                let items = harness.portals.items(on: portal)
                #expect(items.count == originIds.count, "one portal item per ERP id, no duplicates")
                #expect(Set(items.compactMap(\.originId)) == Set(originIds))
                for item in items {
                    #expect(
                        item.title == "\(item.originId ?? "?") v3",
                        "item \(item.id) ended with '\(item.title ?? "")'"
                    )
                }
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
                let map = try await harness.itemMap(portal: portal)
                #expect(Set(map.keys) == Set(originIds))
                #expect(Set(map.values) == Set(items.map { Int64($0.id) }))
                // The refusals were the portal's pacing (QUERY_LIMIT_EXCEEDED), retried until they went through: no
                // write failed, so the rollback trigger counts successes only.
                let window = try await RollbackWindow.read(policy: harness.contract.rollback, pool: harness.pool)
                #expect(window.failed == 0 && window.total >= originIds.count, "\(window)")
            }
        }

        @Test("a permanent 503 dead-letters an upsert after exactly 6 retries")
        func permanentFailureDeadLettersUpsertAfterSixRetries() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                harness.portals.failBatches(on: portal)
                let messageID = try await harness.publishChange(
                    portal: portal,
                    originId: "D-503",
                    changedAt: Self.epoch
                )
                let dead = DeliveriesSeen()
                try await harness.withWorkers(.upsert) {
                    try await harness.eventually("the dead letter") {
                        dead.add(try await harness.drain(harness.upsertDeadLetterQueue))
                        return dead.count > 0
                    }
                }
                let letters = dead.all
                #expect(letters.count == 1)
                let headers = letters.first?.properties.headers ?? [:]
                #expect(letters.first?.properties.messageID == messageID)
                #expect(headers[MessageHeaders.attempt]?.int64Value == 6)
                #expect(headers[MessageHeaders.errorCode]?.stringValue == "QUERY_LIMIT_EXCEEDED")
                #expect(headers[MessageHeaders.operation]?.stringValue == "upsert")
                // The first attempt plus 6 retries, each stopped by the injected 503 before anything was written.
                #expect(harness.portals.counters(of: portal).faultsInjected == 7)
                #expect(harness.portals.items(on: portal).isEmpty)
                let row = try await harness.ledger(portal: portal).first { $0.messageID == messageID }
                #expect(row?.status == "dead")
                #expect(row?.attempts == 6)
                // Six refusals (of the capability check, here) were pacing, retried; the seventh left the change
                // unwritten: one failed write.
                let window = try await RollbackWindow.read(policy: harness.contract.rollback, pool: harness.pool)
                #expect(window.failed == 1 && window.total == 1, "\(window)")
            }
        }

        @Test("a permanent 503 dead-letters a delete after exactly 3 retries")
        func permanentFailureDeadLettersDeleteAfterThreeRetries() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                let added = try await harness.publishChange(portal: portal, originId: "D-9", changedAt: Self.epoch)
                try await harness.withWorkers(.upsert) {
                    try await harness.eventually("the item exists") {
                        try await harness.ledger(portal: portal).contains {
                            $0.messageID == added && $0.status == "done"
                        }
                    }
                }
                let itemID = try #require(harness.portals.items(on: portal).first?.id)
                harness.portals.failBatches(on: portal)
                let messageID = try await harness.publishChange(
                    portal: portal,
                    originId: "D-9",
                    op: .delete,
                    changedAt: Self.epoch + 10,
                    id: Int64(itemID)
                )
                let dead = DeliveriesSeen()
                try await harness.withWorkers(.delete) {
                    try await harness.eventually("the dead letter") {
                        dead.add(try await harness.drain(harness.deleteDeadLetterQueue))
                        return dead.count > 0
                    }
                }
                let letters = dead.all
                #expect(letters.count == 1)
                #expect(letters.first?.properties.messageID == messageID)
                let headers = letters.first?.properties.headers ?? [:]
                #expect(headers[MessageHeaders.attempt]?.int64Value == 3)
                #expect(headers[MessageHeaders.operation]?.stringValue == "delete")
                #expect(harness.portals.counters(of: portal).faultsInjected == 4)
                #expect(harness.portals.items(on: portal).map(\.id) == [itemID], "nothing may be deleted")
                let row = try await harness.ledger(portal: portal, operation: .delete).first {
                    $0.messageID == messageID
                }
                #expect(row?.status == "dead")
                #expect(row?.attempts == 3)
            }
        }
    }
}
