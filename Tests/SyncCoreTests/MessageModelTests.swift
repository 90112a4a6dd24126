import Foundation
import SyncCore
import TestSupport
import Testing

/// The Swift models read and write exactly what the schemas describe.
@Suite struct MessageModelTests {
    @Test func erpChangeDecodesTheDesignExample() throws {
        let change = try ERPChange.decode(from: Data(DesignExamples.erpChange.utf8))
        #expect(change.schema == ERPChange.schemaName)
        #expect(change.op == .upsert)
        #expect(change.originId == "D-10023")
        #expect(change.id == nil)
        #expect(change.changedAt.text == "2026-02-24T10:15:00Z")
        #expect(change.fields?.objectValue?.keys == ["title", "opportunity", "currencyId", "stageId"])
        #expect(change.fields?["opportunity"] == .double(1500.0))
        let reparsed = try JSONValue(parsing: change.jsonValue.compactString)
        #expect(reparsed == (try JSONValue(parsing: DesignExamples.erpChange)))
    }

    @Test func b24ChangeRoundTripsAndValidates() throws {
        let schemas = TestEnvironment.repositoryRoot.appendingPathComponent("schemas")
        let validator = try JSONSchemaValidator.load(from: schemas.appendingPathComponent("b24.change.v1.schema.json"))
        let change = try B24Change.decode(from: Data(DesignExamples.b24Change.utf8))
        #expect(change.kind == .synced && change.id == 1001 && change.entityTypeId == 2)
        #expect(change.routingKey == "deal.synced")
        #expect(change.jsonValue == (try JSONValue(parsing: DesignExamples.b24Change)))

        let softClose = B24Change(
            kind: .softClose,
            portal: "acme.bitrix24.ru",
            entity: "service_ticket",
            entityTypeId: 1280,
            id: 77,
            originId: "T-1",
            updatedTime: nil,
            item: nil,
            drift: nil,
            traceId: TraceID.random()
        )
        #expect(validator.validate(softClose.jsonValue).isEmpty)
        #expect(softClose.routingKey == "service_ticket.soft_close")
        let encoded = try JSONEncoder().encode(softClose)
        #expect(try JSONDecoder().decode(B24Change.self, from: encoded) == softClose)
    }

    @Test func aBuiltERPChangeValidates() throws {
        let schemas = TestEnvironment.repositoryRoot.appendingPathComponent("schemas")
        let validator = try JSONSchemaValidator.load(from: schemas.appendingPathComponent("erp.change.v1.schema.json"))
        let change = ERPChange(
            messageId: UUID().uuidString.lowercased(),
            portal: "acme.bitrix24.ru",
            entity: "service_ticket",
            op: .delete,
            originId: "T-9",
            id: 12,
            changedAt: try #require(RFC3339Timestamp("2026-02-24T10:15:00.250+03:00")),
            fields: nil
        )
        #expect(validator.validate(change.jsonValue).isEmpty)
        #expect(try ERPChange.decode(from: Data(change.jsonValue.compactString.utf8)) == change)
    }

    @Test func badTimestampsFailDecoding() {
        let broken = DesignExamples.erpChange.replacingOccurrences(of: "2026-02-24T10:15:00Z", with: "24.02.2026")
        #expect(throws: DecodingError.self) { try ERPChange.decode(from: Data(broken.utf8)) }
    }

    @Test func timestampsParseAndOrderByInstant() throws {
        #expect(RFC3339Timestamp("1970-01-01T00:00:00Z")?.secondsSince1970 == 0)
        let utc = try #require(RFC3339Timestamp("2026-02-24T07:15:03Z"))
        let moscow = try #require(RFC3339Timestamp("2026-02-24T10:15:03+03:00"))
        #expect(utc.secondsSince1970 == moscow.secondsSince1970)
        #expect(moscow.utcOffsetSeconds == 10_800)
        #expect(utc.secondsSince1970 == 1_771_917_303)
        let later = try #require(RFC3339Timestamp("2026-02-24T07:15:03.5Z"))
        #expect(utc < later)
        #expect(RFC3339Timestamp("2024-02-29T00:00:00Z") != nil)
        for bad in [
            "yesterday", "2026-02-24", "2026-02-24T10:15:00", "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
            "2026-02-24T24:00:00Z", "2026-02-24T10:15:00+3:00", "2026-02-24T10:15:00.Z",
        ] {
            #expect(RFC3339Timestamp(bad) == nil, "\(bad) should be rejected")
        }
        #expect(RFC3339Timestamp(secondsSince1970: 1_771_917_303.25).text == "2026-02-24T07:15:03.250Z")
        #expect(RFC3339Timestamp.formatUTC(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }

    @Test func traceIDsAreW3CShaped() {
        var generator = SplitMix64(seed: 7)
        let ids = (0..<100).map { _ in TraceID.random(using: &generator) }
        #expect(ids.allSatisfy(TraceID.isValid))
        #expect(Set(ids).count == 100)
        #expect(!TraceID.isValid("4BF92F3577B34DA6A3CE929D0E0E4736"))
        #expect(TraceID.isValid("4bf92f3577b34da6a3ce929d0e0e4736"))
    }
}
