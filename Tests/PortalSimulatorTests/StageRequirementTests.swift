import PortalSimulator
import Testing

/// Stage-dependent required fields (`api-reference/crm/universal/crm-item-update.md`,
/// error text from `api-reference/crm/universal/import/crm-item-batch-import.md`).
@Suite struct StageRequirementTests {
    /// Entering WON without the contract number → 400 CRM_FIELD_ERROR_REQUIRED `The "Contract number" field is required`;
    /// with it the move succeeds; legacy crm.deal.update reports the same text with an empty code.
    @Test func enteringAStageRequiresItsFields() async throws {
        try await SimulatorHarness().run { client in
            let set = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/stage-requirements",
                ["entityTypeId": 2, "stageId": "WON", "fields": ["ufCrm_1721244800001"]]
            )
            #expect(set.status == 200)
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            let refused = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["stageId": "WON"]]
            )
            #expect(refused.status == 400)
            #expect(
                refused.json == [
                    "error": "CRM_FIELD_ERROR_REQUIRED",
                    "error_description": #"The "Contract number" field is required"#,
                ]
            )
            let unchanged = try await client.call("crm.item.get", ["entityTypeId": 2, "id": 1])
            #expect(unchanged.json.at("result", "item", "stageId") == "NEW")
            let legacy = try await client.call("crm.deal.update", ["id": 1, "fields": ["STAGE_ID": "WON"]])
            #expect(legacy.status == 400)
            #expect(legacy.json == ["error": "", "error_description": #"The "Contract number" field is required"#])
            let addedInStage = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["stageId": "WON"]])
            #expect(addedInStage.json["error"] == "CRM_FIELD_ERROR_REQUIRED")
            let accepted = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["stageId": "WON", "ufCrm_1721244800001": "C-42"]]
            )
            #expect(accepted.status == 200)
            #expect(accepted.json.at("result", "item", "stageId") == "WON")
        }
    }

    /// A stage of another pipeline moves the item there (`categoryId` follows the stage); an unknown stage is refused.
    @Test func stageDecidesThePipeline() async throws {
        try await SimulatorHarness().run { client in
            let added = try await client.call(
                "crm.item.add",
                ["entityTypeId": 2, "fields": ["stageId": "C3:PREPARATION"]]
            )
            #expect(added.json.at("result", "item", "categoryId") == .int(3))
            let bad = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["stageId": "NOPE"]]
            )
            #expect(bad.status == 400)
            #expect(bad.json["error"] == "CRM_FIELD_ERROR_VALUE_NOT_VALID")
        }
    }
}
