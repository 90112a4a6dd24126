import AMQPClient
import FleetRuntime
import SyncCore
import Testing
import WritePath

extension WritePathIntegration {
    /// Retries under the contract's counts (seed §6: 6 for create/update, 3 for delete), through RabbitMQ delay queues
    /// shortened to 50 ms .. 200 ms by the test contract.
    @Suite("Write retries", .serialized, .timeLimit(.minutes(4)))
    struct WriteRetryTests {
        static let epoch = 1_780_000_000.0

        @Test("with 30% of batch requests failing with 503, every change is applied exactly once")
        func transientFailuresApplyEveryChangeOnce() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                harness.portals.failBatches(on: portal, probability: 0.3)
                let originIds = (1...100).map { "D-\($0)" }
                var finalMessages: Set<String> = []
                var allMessages: Set<String> = []
                // Two versions of each item, published before the worker starts; the second is newer and must be what
                // the portal ends with.
                for originId in originIds {
                    for version in 1...2 {
                        let messageID = try await harness.publishChange(
                            portal: portal,
                            originId: originId,
                            changedAt: Self.epoch + Double(version),
                            fields: ["title": .string("\(originId) v\(version)")]
                        )
                        allMessages.insert(messageID)
                        if version == 2 { finalMessages.insert(messageID) }
                    }
                }
                let expectedFinal = finalMessages
                let expectedAll = allMessages
                try await harness.withWorkers(.upsert) {
                    try await harness.eventually("every change settled", timeout: .seconds(120)) {
                        let rows = try await harness.ledger(portal: portal)
                        let settled = rows.filter { ["done", "stale", "superseded", "dead"].contains($0.status) }
                        return expectedAll.isSubset(of: Set(settled.compactMap(\.messageID)))
                    }
                    let rows = try await harness.ledger(portal: portal)
                    #expect(rows.filter { $0.status == "dead" }.isEmpty)
                    let doneFinal = rows.filter { $0.status == "done" }.compactMap(\.messageID)
                    #expect(
                        expectedFinal.isSubset(of: Set(doneFinal)),
                        "the newest change of some item was not applied"
                    )
                }
                let items = harness.portals.items(on: portal)
                #expect(items.count == originIds.count, "one portal item per ERP id, no duplicates")
                #expect(Set(items.compactMap(\.originId)) == Set(originIds))
                for item in items {
                    #expect(
                        item.title == "\(item.originId ?? "?") v2",
                        "item \(item.id) ended with '\(item.title ?? "")'"
                    )
                }
                #expect(harness.portals.counters(of: portal).faultsInjected > 0, "the fault never fired")
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
                let map = try await harness.itemMap(portal: portal)
                #expect(Set(map.keys) == Set(originIds))
                #expect(Set(map.values) == Set(items.map { Int64($0.id) }))
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
