import AMQPClient
import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// Exactly-once effect of upserts: one portal item per ERP id, no portal call for a change already applied, and
    /// never an older change written over a newer one.
    @Suite("Upsert idempotency", .serialized, .timeLimit(.minutes(3)))
    struct UpsertIdempotencyTests {
        /// Some fixed instant; `changedAt` values in these tests are offsets from it.
        static let epoch = 1_780_000_000.0

        @Test("an update reaches the same item, and an identical re-send makes no portal write")
        func addUpdateAndIdenticalResend() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                let marker = try await harness.makePortal()
                // One lane: batches are handled in publish order, so the marker's outcome proves the re-send's.
                try await harness.withWorkers(.upsert, lanes: 1) {
                    let added = try await harness.publishChange(
                        portal: portal,
                        originId: "D-1",
                        changedAt: Self.epoch,
                        fields: ["title": "Pump delivery", "opportunity": 1500.0, "currencyId": "RUB"]
                    )
                    try await harness.eventually("the add is recorded done") {
                        try await harness.ledger(portal: portal).contains {
                            $0.messageID == added && $0.status == "done"
                        }
                    }
                    let first = harness.portals.items(on: portal)
                    #expect(first.count == 1)
                    #expect(first.first?.title == "Pump delivery")
                    #expect(first.first?.originId == "D-1")
                    #expect(try await harness.itemMap(portal: portal)["D-1"] == first.first.map { Int64($0.id) })

                    let updateFields: JSONValue = ["title": "Pump delivery (2 pumps)", "opportunity": 3000.0]
                    let updated = try await harness.publishChange(
                        portal: portal,
                        originId: "D-1",
                        changedAt: Self.epoch + 60,
                        fields: updateFields
                    )
                    try await harness.eventually("the update is recorded done") {
                        try await harness.ledger(portal: portal).contains {
                            $0.messageID == updated && $0.status == "done"
                        }
                    }
                    let second = harness.portals.items(on: portal)
                    #expect(second.count == 1, "an update must not create a second item")
                    #expect(second.first?.id == first.first?.id)
                    #expect(second.first?.title == "Pump delivery (2 pumps)")
                    #expect(harness.portals.counters(of: portal).calls("crm.item.update") == 1)

                    let before = harness.portals.counters(of: portal)
                    let rowsBefore = try await harness.ledger(portal: portal)
                    try await harness.publishChange(
                        portal: portal,
                        originId: "D-1",
                        changedAt: Self.epoch + 60,
                        fields: updateFields
                    )
                    let markerID = try await harness.publishChange(
                        portal: marker,
                        originId: "M-1",
                        changedAt: Self.epoch
                    )
                    try await harness.eventually("the marker published after the re-send is done") {
                        try await harness.ledger(portal: marker).contains {
                            $0.messageID == markerID && $0.status == "done"
                        }
                    }
                    let after = harness.portals.counters(of: portal)
                    for method in ["crm.item.add", "crm.item.update", "batch"] {
                        #expect(after.calls(method) == before.calls(method), "the identical re-send called \(method)")
                    }
                    #expect(harness.portals.items(on: portal) == second)
                    #expect(try await harness.ledger(portal: portal) == rowsBefore)

                    let synced = try await harness.outcomes(portal: portal).filter { $0.kind == .synced }
                    #expect(synced.count == 2, "one <entity>.synced per applied change, none for the re-send")
                    #expect(synced.allSatisfy { $0.originId == "D-1" && $0.id == Int64(first.first?.id ?? -1) })
                }
                // Every message was acknowledged: nothing went back to the queue at shutdown.
                #expect(try await harness.admin.declareQueuePassive("sync.upsert").messageCount == 0)
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
            }
        }

        @Test("an older change arriving after a newer one is recorded stale and not written")
        func olderChangeIsStale() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                try await harness.withWorkers(.upsert) {
                    let newer = try await harness.publishChange(
                        portal: portal,
                        originId: "D-7",
                        changedAt: Self.epoch + 300,
                        fields: ["title": "Newer title"]
                    )
                    try await harness.eventually("the newer change is done") {
                        try await harness.ledger(portal: portal).contains {
                            $0.messageID == newer && $0.status == "done"
                        }
                    }
                    let writesBefore = harness.portals.counters(of: portal)
                    let older = try await harness.publishChange(
                        portal: portal,
                        originId: "D-7",
                        changedAt: Self.epoch,
                        fields: ["title": "Older title"]
                    )
                    try await harness.eventually("the older change is recorded") {
                        try await harness.ledger(portal: portal).contains {
                            $0.messageID == older && $0.status != "in_progress"
                        }
                    }
                    let row = try await harness.ledger(portal: portal).first { $0.messageID == older }
                    #expect(row?.status == "stale")
                    let items = harness.portals.items(on: portal)
                    #expect(items.count == 1)
                    #expect(items.first?.title == "Newer title")
                    let writesAfter = harness.portals.counters(of: portal)
                    #expect(writesAfter.calls("crm.item.update") == writesBefore.calls("crm.item.update"))
                    #expect(writesAfter.calls("crm.item.add") == writesBefore.calls("crm.item.add"))
                }
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
            }
        }
    }
}
