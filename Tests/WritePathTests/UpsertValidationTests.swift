import AMQPClient
import FleetRuntime
import Foundation
import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// A message that can never be applied goes straight to `sync.upsert.dead` with a reason a person can act on, and
    /// does not hold up the valid messages around it.
    @Suite("Upsert validation", .serialized, .timeLimit(.minutes(3)))
    struct UpsertValidationTests {
        /// One invalid message of the burst and what its dead letter must say.
        struct Invalid {
            var messageID: String
            var body: [UInt8]
            var routingKey: String
            var errorCode: String
            /// A word the error message must contain, so that it names the actual problem.
            var mentions: String
        }

        @Test("each validation failure is dead-lettered with its reason while valid messages are applied")
        func invalidMessagesAreDeadLettered() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal()
                let changedAt = RFC3339Timestamp(secondsSince1970: 1_780_000_000)
                func change(_ originId: String, entity: String = "deal", portal: String = portal, fields: JSONValue)
                    -> (id: String, body: [UInt8])
                {
                    let value = ERPChange(
                        messageId: UUID().uuidString.lowercased(),
                        portal: portal,
                        entity: entity,
                        op: .upsert,
                        originId: originId,
                        changedAt: changedAt,
                        fields: fields
                    )
                    return (value.messageId, value.jsonValue.compactBytes)
                }
                func invalid(
                    _ built: (id: String, body: [UInt8]),
                    code: String,
                    mentions: String,
                    entity: String = "deal"
                )
                    -> Invalid
                {
                    Invalid(
                        messageID: built.id,
                        body: built.body,
                        routingKey: "\(entity).upsert",
                        errorCode: code,
                        mentions: mentions
                    )
                }
                let schemaBreaking: JSONValue = [
                    "schema": "erp.change.v1", "messageId": .string(UUID().uuidString.lowercased()),
                    "portal": .string(portal), "entity": "deal", "op": "upsert", "originId": "D-S",
                ]
                let invalids = [
                    Invalid(
                        messageID: UUID().uuidString.lowercased(),
                        body: Array("{\"schema\": \"erp.change.v1\", ".utf8),
                        routingKey: "deal.upsert",
                        errorCode: "invalid_json",
                        mentions: "JSON"
                    ),
                    Invalid(
                        messageID: schemaBreaking["messageId"]?.stringValue ?? "",
                        body: schemaBreaking.compactBytes,
                        routingKey: "deal.upsert",
                        errorCode: "schema",
                        mentions: "changedAt"
                    ),
                    invalid(
                        change("D-P", portal: "nobody-\(UUID().uuidString.lowercased()).test", fields: ["title": "x"]),
                        code: "unknown_portal",
                        mentions: "not registered"
                    ),
                    invalid(
                        change("D-E", entity: "invoice", fields: ["title": "x"]),
                        code: "unknown_entity",
                        mentions: "invoice",
                        entity: "invoice"
                    ),
                    invalid(
                        change("D-F", fields: ["title": "x", "ufCrmNoSuchField": "y"]),
                        code: "invalid_fields",
                        mentions: "ufCrmNoSuchField"
                    ),
                    invalid(
                        change("D-R", fields: ["title": "x", "createdTime": "2026-01-01T00:00:00+03:00"]),
                        code: "invalid_fields",
                        mentions: "read-only"
                    ),
                    invalid(
                        change("D-T", fields: ["title": "x", "opportunity": "a lot"]),
                        code: "invalid_fields",
                        mentions: "opportunity"
                    ),
                ]
                let valid = (1...3).map { change("D-OK-\($0)", fields: ["title": .string("Valid \($0)")]) }

                try await harness.withWorkers(.upsert) {
                    // One burst, the valid messages between the invalid ones.
                    for (index, bad) in invalids.enumerated() {
                        try await harness.publishRaw(bad.body, routingKey: bad.routingKey, messageID: bad.messageID)
                        if index < valid.count {
                            try await harness.publishRaw(
                                valid[index].body,
                                routingKey: "deal.upsert",
                                messageID: valid[index].id
                            )
                        }
                    }
                    let dead = DeliveriesSeen()
                    try await harness.eventually("7 dead letters and 3 items on the portal") {
                        dead.add(try await harness.drain(harness.upsertDeadLetterQueue))
                        return dead.count >= invalids.count && harness.portals.items(on: portal).count == valid.count
                    }
                    let letters = dead.all
                    #expect(letters.count == invalids.count)
                    for bad in invalids {
                        let letter = letters.first { $0.properties.messageID == bad.messageID }
                        #expect(letter != nil, "no dead letter for the \(bad.errorCode) message")
                        guard let headers = letter?.properties.headers else { continue }
                        #expect(headers[MessageHeaders.errorCode]?.stringValue == bad.errorCode)
                        let reason = headers[MessageHeaders.errorMessage]?.stringValue ?? ""
                        #expect(
                            reason.contains(bad.mentions),
                            "the \(bad.errorCode) reason does not say why: \(reason)"
                        )
                        #expect(
                            headers[MessageHeaders.attempt]?.int64Value == 0,
                            "a validation failure is never retried"
                        )
                        #expect(letter?.body == bad.body, "the dead letter must carry the original body")
                    }
                    let titles = Set(harness.portals.items(on: portal).compactMap(\.title))
                    #expect(titles == ["Valid 1", "Valid 2", "Valid 3"])
                }
            }
        }
    }
}
