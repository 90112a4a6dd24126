import AMQPClient
import FleetRuntime
import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// A change that enters a stage without the fields the stage requires: refused by the portal the first time
    /// (`CRM_FIELD_ERROR_REQUIRED`, dead-lettered at once), and from then on refused before the portal call, because
    /// the fleet learned the requirement; a declared requirement is enforced from the first change.
    @Suite("Stage requirements on the write path", .serialized, .timeLimit(.minutes(3)))
    struct StageRequirementFlowTests {
        static let contractNumber = "ufCrm_1721244800001"

        @Test("a portal's refusal teaches the stage's requirement; the next offending change makes no portal call")
        func learnedFromTheRefusal() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                harness.portals.requireFields(on: portal, entityTypeId: 2, stage: "C3:WON", [Self.contractNumber])
                let now = 1_780_000_000.0
                let won: JSONValue = ["title": "Won", "categoryId": 3, "stageId": "C3:WON"]
                let complete: JSONValue = [
                    "title": "Won", "categoryId": 3, "stageId": "C3:WON", "ufCrm_1721244800001": "K-1",
                ]

                try await harness.withWorkers(.upsert) {
                    let first = try await harness.publishChange(
                        portal: portal,
                        originId: "S-1",
                        changedAt: now,
                        fields: won
                    )
                    try await harness.publishChange(
                        portal: portal,
                        originId: "S-2",
                        changedAt: now,
                        fields: complete
                    )
                    let dead = DeliveriesSeen()
                    try await harness.eventually("the portal refuses S-1 and takes S-2") {
                        dead.add(try await harness.drain(harness.upsertDeadLetterQueue))
                        return dead.count >= 1 && harness.portals.items(on: portal).count == 1
                    }
                    let refusal = try #require(dead.all.first { $0.properties.messageID == first })
                    #expect(
                        refusal.properties.headers[MessageHeaders.errorCode]?.stringValue == "CRM_FIELD_ERROR_REQUIRED"
                    )
                    #expect(refusal.properties.headers[MessageHeaders.attempt]?.int64Value == 0, "never retried")

                    let stages = StageRequirementStore(pool: harness.pool)
                    let learned = try await stages.list(portal: portal)
                    #expect(
                        learned
                            == [.init(entityTypeId: 2, stage: "C3:WON", field: Self.contractNumber, source: .learned)]
                    )

                    let writesBefore = harness.portals.counters(of: portal).calls("crm.item.add")
                    let second = try await harness.publishChange(
                        portal: portal,
                        originId: "S-3",
                        changedAt: now,
                        fields: won
                    )
                    try await harness.eventually("S-3 is refused before the call") {
                        dead.add(try await harness.drain(harness.upsertDeadLetterQueue))
                        return dead.all.contains { $0.properties.messageID == second }
                    }
                    let letter = try #require(dead.all.first { $0.properties.messageID == second })
                    #expect(letter.properties.headers[MessageHeaders.errorCode]?.stringValue == "invalid_fields")
                    let reason = letter.properties.headers[MessageHeaders.errorMessage]?.stringValue ?? ""
                    #expect(reason.contains("C3:WON") && reason.contains(Self.contractNumber), "reason: \(reason)")
                    #expect(harness.portals.counters(of: portal).calls("crm.item.add") == writesBefore)
                    let rows = try await harness.ledger(portal: portal)
                    #expect(rows.first { $0.originId == "S-3" }?.status == "dead")
                }
            }
        }

        @Test("a declared requirement refuses the first offending change before the call, and the rest flows")
        func declaredRequirement() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                try await StageRequirementStore(pool: harness.pool).declare(
                    portal: portal,
                    entityTypeId: 2,
                    stage: "WON",
                    fields: ["opportunity"]
                )
                let now = 1_780_000_000.0
                try await harness.withWorkers(.upsert) {
                    let offending = try await harness.publishChange(
                        portal: portal,
                        originId: "W-1",
                        changedAt: now,
                        fields: ["title": "Won", "stageId": "WON", "opportunity": .null]
                    )
                    try await harness.publishChange(
                        portal: portal,
                        originId: "W-2",
                        changedAt: now,
                        fields: ["title": "Won", "stageId": "WON", "opportunity": 900]
                    )
                    let dead = DeliveriesSeen()
                    try await harness.eventually("W-1 dead-lettered, W-2 on the portal") {
                        dead.add(try await harness.drain(harness.upsertDeadLetterQueue))
                        return dead.count >= 1 && harness.portals.items(on: portal).count == 1
                    }
                    let letter = try #require(dead.all.first { $0.properties.messageID == offending })
                    #expect(letter.properties.headers[MessageHeaders.errorCode]?.stringValue == "invalid_fields")
                    #expect(harness.portals.items(on: portal).map(\.originId) == ["W-2"])
                    #expect(harness.portals.counters(of: portal).calls("crm.item.add") == 1)
                }
            }
        }
    }
}
