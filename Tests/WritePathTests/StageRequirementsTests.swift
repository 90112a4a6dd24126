import SyncCore
import Testing
import WritePath

/// Which changes are certain to fail on a stage's required fields, and how a portal's refusal names the field.
@Suite("Stage requirements")
struct StageRequirementsTests {
    let won = StageRequirements(["C3:WON": ["opportunity", "ufCrm_1721244800001"]])

    @Test("a new item entering the stage needs every required field, sent non-empty")
    func newItemNeedsEveryField() {
        let without: JSONObject = ["stageId": "C3:WON", "opportunity": 1200]
        #expect(
            won.violation(of: without, writtenStage: nil, isKnownItem: false)
                == .init(stage: "C3:WON", missing: ["ufCrm_1721244800001"])
        )
        let blank: JSONObject = ["stageId": "C3:WON", "opportunity": 1200, "ufCrm_1721244800001": " "]
        #expect(won.violation(of: blank, writtenStage: nil, isKnownItem: false)?.missing == ["ufCrm_1721244800001"])
        let complete: JSONObject = ["stageId": "C3:WON", "opportunity": 0, "ufCrm_1721244800001": "K-7"]
        #expect(won.violation(of: complete, writtenStage: nil, isKnownItem: false) == nil)
    }

    @Test("a known item moving into the stage fails only on a field it sends empty; the portal keeps the others")
    func knownItemMovingIn() {
        let omitted: JSONObject = ["stageId": "C3:WON", "opportunity": 1200]
        #expect(won.violation(of: omitted, writtenStage: "C3:NEW", isKnownItem: true) == nil)
        let cleared: JSONObject = ["stageId": "C3:WON", "opportunity": 1200, "ufCrm_1721244800001": .null]
        #expect(
            won.violation(of: cleared, writtenStage: "C3:NEW", isKnownItem: true)?.missing == ["ufCrm_1721244800001"]
        )
    }

    @Test("a change that stays in its stage, or names no stage, or a stage without requirements, is not checked")
    func notEnteringIsNotChecked() {
        let cleared: JSONObject = ["stageId": "C3:WON", "ufCrm_1721244800001": ""]
        #expect(won.violation(of: cleared, writtenStage: "C3:WON", isKnownItem: true) == nil)
        #expect(won.violation(of: ["title": "x"], writtenStage: nil, isKnownItem: false) == nil)
        #expect(won.violation(of: ["stageId": "C3:NEW"], writtenStage: nil, isKnownItem: false) == nil)
    }

    @Test("the dead letter names the stage and the fields")
    func messageNamesStageAndFields() {
        let violation = StageRequirements.Violation(stage: "C3:WON", missing: ["opportunity"])
        let message = violation.message(entity: "deal")
        #expect(message.contains("'C3:WON'") && message.contains("'opportunity'") && message.contains("stage-fields"))
    }

    @Test("a CRM_FIELD_ERROR_REQUIRED answer is traced to its field by the title crm.item.fields gives")
    func refusalNamesTheField() {
        let schema: JSONObject = [
            "title": ["type": "string", "title": "Name"],
            "ufCrm_1721244800001": ["type": "string", "title": "Contract number", "upperName": "UF_CRM_1721244800001"],
        ]
        #expect(
            StageRequirements.fieldNamed(inRefusal: "The \"Contract number\" field is required", schema: schema)
                == "ufCrm_1721244800001"
        )
        #expect(StageRequirements.fieldNamed(inRefusal: "The \"Budget\" field is required", schema: schema) == nil)
        #expect(StageRequirements.fieldNamed(inRefusal: "Required field is empty", schema: schema) == nil)
    }
}
