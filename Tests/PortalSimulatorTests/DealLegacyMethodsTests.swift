import PortalSimulator
import Testing

/// Legacy `crm.deal.*` (`api-reference/crm/deals/crm-deal-*.md`): UPPER names, string values, scalar results.
@Suite struct DealLegacyMethodsTests {
    /// crm-deal-add.md: `result` is the new id; crm-deal-get.md: UPPER keys with string values.
    @Test func addReturnsIdAndGetReturnsUpperCaseStrings() async throws {
        try await SimulatorHarness().run { client in
            let added = try await client.form(
                "crm.deal.add",
                "fields[TITLE]=Legacy&fields[ORIGINATOR_ID]=erp&fields[ORIGIN_ID]=SO-7&fields[OPPORTUNITY]=1000000"
            )
            #expect(added.status == 200)
            #expect(added.json["result"] == .int(1))
            let deal = try await client.call("crm.deal.get", ["id": 1])
            let result = try #require(deal.json["result"])
            #expect(result["ID"] == "1")
            #expect(result["TITLE"] == "Legacy")
            #expect(result["OPPORTUNITY"] == "1000000.00")
            #expect(result["CATEGORY_ID"] == "0")
            #expect(result["ORIGINATOR_ID"] == "erp")
            #expect(result["ORIGIN_ID"] == "SO-7")
            #expect(result["DATE_MODIFY"]?.stringValue?.hasSuffix("+03:00") == true)
            #expect(result["UF_CRM_1721244707107"] != nil)
            #expect(result["updatedTime"] == nil)
        }
    }

    /// crm-deal-list.md: `result` is the array itself with `total`/`next`; crm-deal-update.md / crm-deal-delete.md:
    /// `result: true`; errors have an empty code ("Not found", "ID is not defined or invalid.").
    @Test func listUpdateDeleteAndErrors() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 2, "count": 60]
            )
            let list = try await client.form("crm.deal.list", "select[]=ID&select[]=TITLE&filter[>ID]=5&order[ID]=DESC")
            #expect(list.json["total"] == .int(55))
            #expect(list.json["next"] == .int(50))
            #expect(list.json.at("result", 0) == ["ID": "60", "TITLE": "Deal #60"])
            let updated = try await client.call(
                "crm.deal.update",
                ["id": 3, "fields": ["TITLE": "Renamed", "CATEGORY_ID": 3]]
            )
            #expect(updated.json["result"] == true)
            let item = try await client.call("crm.item.get", ["entityTypeId": 2, "id": 3])
            #expect(item.json.at("result", "item", "title") == "Renamed")
            #expect(item.json.at("result", "item", "categoryId") == .int(0))
            let deleted = try await client.call("crm.deal.delete", ["id": 3])
            #expect(deleted.json["result"] == true)
            let missing = try await client.call("crm.deal.update", ["id": 3, "fields": ["TITLE": "x"]])
            #expect(missing.status == 400)
            #expect(missing.json == ["error": "", "error_description": "Not found"])
            let noId = try await client.call("crm.deal.get")
            #expect(noId.json == ["error": "", "error_description": "ID is not defined or invalid."])
            let noFields = try await client.call("crm.deal.add", ["fields": "x"])
            #expect(noFields.json == ["error": "", "error_description": "Parameter 'fields' must be array."])
        }
    }

    /// crm-deal-fields.md: `{UPPER_NAME: description}` with no `fields` wrapper.
    @Test func fieldsAreKeyedByUpperName() async throws {
        try await SimulatorHarness().run { client in
            let fields = try await client.call("crm.deal.fields")
            #expect(fields.json.at("result", "STAGE_ID", "type") == "crm_status")
            #expect(fields.json.at("result", "DATE_MODIFY", "isReadOnly") == true)
            #expect(fields.json.at("result", "fields") == nil)
        }
    }

    /// A portal without crm.item.* (legacy path only) answers 404 ERROR_METHOD_NOT_FOUND and method.get says so.
    @Test func portalWithoutItemMethods() async throws {
        var configuration = PortalConfiguration(domain: SimulatorHarness.domain)
        configuration.disabledMethods = ["crm.item.list", "crm.item.add", "crm.item.delete"]
        try await SimulatorHarness(portals: [configuration]).run { client in
            #expect(try await client.call("crm.item.list", ["entityTypeId": 2]).status == 404)
            let probe = try await client.call("method.get", ["name": "crm.item.delete"])
            #expect(probe.json["result"] == ["isExisting": false, "isAvailable": false])
            let legacy = try await client.call("method.get", ["name": "crm.deal.list"])
            #expect(legacy.json["result"] == ["isExisting": true, "isAvailable": true])
        }
    }
}
