import Foundation
import SyncCore
import TestSupport
import Testing

/// Keys are made of exactly the parts the contract names, in its order.
@Suite struct IdempotencyKeyTests {
    let contract: IntegrationContract

    init() throws {
        contract = try IntegrationContract.load(
            from: TestEnvironment.repositoryRoot.appendingPathComponent("schemas/contract.json")
        )
    }

    @Test func upsertKeyIsPortalTypeOriginAndPayloadHash() throws {
        let change = try ERPChange.decode(from: Data(DesignExamples.erpChange.utf8))
        let key = try contract.upsertKey(for: change, entityTypeId: 2)
        #expect(key.parts == ["portal", "entityTypeId", "originId", "payloadHash"])
        #expect(key.rawValue == "upsert:acme.bitrix24.ru|2|D-10023|\(change.payloadHash)")
        #expect(change.payloadHash == PayloadHash.of(change.fields!))
    }

    @Test func everyRowBuildsItsKey() throws {
        let pull = try contract.pullKey(
            portal: "acme.bitrix24.ru",
            entityTypeId: 2,
            id: 1001,
            updatedTime: "2026-02-24T10:15:03+03:00"
        )
        #expect(pull.rawValue == "pull:acme.bitrix24.ru|2|1001|2026-02-24T10:15:03+03:00")
        let delete = try contract.deleteKey(portal: "acme.bitrix24.ru", entityTypeId: 1280, id: 7)
        #expect(delete.rawValue == "delete:acme.bitrix24.ru|1280|7|delete")
        let update = try contract.eventKey(
            portal: "acme.bitrix24.ru",
            dealId: 5,
            updatedTime: "2026-02-24T10:15:03+03:00"
        )
        #expect(update.rawValue == "event:acme.bitrix24.ru|5|2026-02-24T10:15:03+03:00")
        let add = try contract.eventKey(portal: "acme.bitrix24.ru", dealId: 5, updatedTime: nil)
        #expect(add.rawValue == "event:acme.bitrix24.ru|5")
    }

    @Test func theKeyFollowsTheContractNotTheCode() throws {
        var reordered = contract
        let index = try #require(reordered.operations.firstIndex { $0.operation == .upsert })
        reordered.operations[index].idempotencyKey = ["originId", "portal", "payloadHash", "entityTypeId"]
        let key = try reordered.upsertKey(portal: "p.example.com", entityTypeId: 2, originId: "D-1", payloadHash: "h")
        #expect(key.rawValue == "upsert:D-1|p.example.com|h|2")

        reordered.operations[index].idempotencyKey = ["portal", "entityTypeId", "originId", "region"]
        let error = #expect(throws: ContractError.self) {
            try reordered.upsertKey(portal: "p.example.com", entityTypeId: 2, originId: "D-1", payloadHash: "h")
        }
        #expect(error?.code == .missingKeyPart)
        #expect(error?.reason.contains("\"region\"") == true)
    }

    @Test func separatorsInsideValuesCannotCollide() throws {
        let one = try contract.upsertKey(portal: "p.example.com", entityTypeId: 2, originId: "A|B", payloadHash: "h")
        let two = try contract.upsertKey(portal: "p.example.com", entityTypeId: 2, originId: "A", payloadHash: "B|h")
        #expect(one != two)
        #expect(one.rawValue == "upsert:p.example.com|2|A%7CB|h")
        let percent = try contract.upsertKey(
            portal: "p.example.com",
            entityTypeId: 2,
            originId: "A%7CB",
            payloadHash: "h"
        )
        #expect(percent != one)
    }
}
