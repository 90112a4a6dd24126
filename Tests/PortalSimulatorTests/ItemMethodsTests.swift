import PortalSimulator
import Testing

/// `crm.item.*` answers checked against the request/response examples of `bitrix24/b24restdocs`.
@Suite struct ItemMethodsTests {
    /// api-reference/crm/universal/crm-item-add.md: `{"result": {"item": {...}}}`, camelCase keys, `time` block.
    @Test func addReturnsTheFullItemWithCamelCaseKeys() async throws {
        try await SimulatorHarness().run { client in
            let answer = try await client.call(
                "crm.item.add",
                [
                    "entityTypeId": 2,
                    "fields": [
                        "title": "ERP order SO-1", "originatorId": "erp", "originId": "SO-1", "opportunity": 15250.5,
                    ],
                ]
            )
            #expect(answer.status == 200)
            let item = try #require(answer.json.at("result", "item"))
            #expect(item["id"] == .int(1))
            #expect(item["title"] == "ERP order SO-1")
            #expect(item["originId"] == "SO-1")
            #expect(item["originatorId"] == "erp")
            #expect(item["opportunity"] == .double(15250.5))
            #expect(item["stageId"] == "NEW")
            #expect(item["categoryId"] == .int(0))
            #expect(item["createdTime"]?.stringValue?.hasSuffix("+03:00") == true)
            #expect(item["updatedTime"] == item["createdTime"])
            let time = try #require(answer.json["time"])
            #expect(
                time.keys == [
                    "start", "finish", "duration", "processing", "date_start", "date_finish", "operating_reset_at",
                    "operating",
                ]
            )
        }
    }

    /// api-reference/crm/universal/crm-item-add.md: a smart process has `xmlId` and no `originId`.
    @Test func smartProcessItemsHaveXmlIdAndNoOriginId() async throws {
        try await SimulatorHarness().run { client in
            let answer = try await client.form(
                "crm.item.add",
                "entityTypeId=1280&fields[title]=Ticket&fields[xmlId]=T-9"
            )
            let item = try #require(answer.json.at("result", "item"))
            #expect(item["xmlId"] == "T-9")
            #expect(item["originId"] == nil)
            #expect(item["entityTypeId"] == .int(1280))
            #expect(item["stageId"] == "DT1280_7:NEW")
        }
    }

    /// api-reference/crm/universal/crm-item-get.md: `{"result": {"item": {...}}}`; unknown id → 400 NOT_FOUND "Item not found";
    /// unknown entityTypeId → 400 NOT_FOUND "SPA not found".
    @Test func getAnswersItemOrNotFound() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            let found = try await client.call("crm.item.get", ["entityTypeId": 2, "id": 1])
            #expect(found.status == 200)
            #expect(found.json.at("result", "item", "title") == "A")
            #expect(found.json.at("result", "item", "entityTypeId") == .int(2))
            let missing = try await client.call("crm.item.get", ["entityTypeId": 2, "id": 999])
            #expect(missing.status == 400)
            #expect(missing.json == ["error": "NOT_FOUND", "error_description": "Item not found"])
            let badType = try await client.call("crm.item.get", ["entityTypeId": 999, "id": 1])
            #expect(badType.status == 400)
            #expect(badType.json == ["error": "NOT_FOUND", "error_description": "SPA not found"])
        }
    }

    /// api-reference/crm/universal/crm-item-update.md: returns the item; `updatedTime` moves on every change.
    @Test func updateMovesUpdatedTimeEvenWithinOneSecond() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let created = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            let first = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["title": "B"]]
            )
            let second = try await client.call(
                "crm.item.update",
                ["entityTypeId": 2, "id": 1, "fields": ["title": "C"]]
            )
            #expect(first.status == 200)
            #expect(first.json.at("result", "item", "title") == "B")
            let times = [created, first, second].compactMap { $0.json.at("result", "item", "updatedTime")?.stringValue }
            #expect(times.count == 3)
            #expect(Set(times).count == 3)
            #expect(times == times.sorted())
        }
    }

    /// api-reference/crm/universal/crm-item-delete.md: `{"result": []}`; a second delete → 400 NOT_FOUND.
    @Test func deleteAnswersEmptyArrayThenNotFound() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.call("crm.item.add", ["entityTypeId": 2, "fields": ["title": "A"]])
            let deleted = try await client.call("crm.item.delete", ["entityTypeId": 2, "id": 1])
            #expect(deleted.status == 200)
            #expect(deleted.json["result"] == .array([]))
            let again = try await client.call("crm.item.delete", ["entityTypeId": 2, "id": 1])
            #expect(again.status == 400)
            #expect(again.json["error"] == "NOT_FOUND")
        }
    }

    /// api-reference/crm/universal/crm-item-fields.md: `result.fields`, per field type/isRequired/isReadOnly/
    /// isImmutable/isMultiple/isDynamic/title/upperName; `useOriginalUfNames=Y` switches user-field keys to UF_CRM_....
    @Test func fieldsDescribeTypesAndUserFieldNames() async throws {
        try await SimulatorHarness().run { client in
            let camel = try await client.call("crm.item.fields", ["entityTypeId": 1280])
            let fields = try #require(camel.json.at("result", "fields"))
            #expect(fields.at("id", "type") == "integer")
            #expect(fields.at("id", "isReadOnly") == true)
            #expect(fields.at("updatedTime", "type") == "datetime")
            #expect(fields.at("stageId", "statusType") == "DYNAMIC_1280_STAGE_7")
            #expect(fields.at("xmlId", "upperName") == "XML_ID")
            #expect(fields.at("ufCrm5_1721812814433", "isDynamic") == true)
            #expect(fields.at("ufCrm5_1721812814433", "upperName") == "UF_CRM_5_1721812814433")
            #expect(fields["UF_CRM_5_1721812814433"] == nil)
            #expect(
                fields.at("title")?.keys == [
                    "type", "isRequired", "isReadOnly", "isImmutable", "isMultiple", "isDynamic", "title", "upperName",
                ]
            )
            let original = try await client.call("crm.item.fields", ["entityTypeId": 1280, "useOriginalUfNames": "Y"])
            #expect(original.json.at("result", "fields", "UF_CRM_5_1721812814433", "type") == "string")
            #expect(original.json.at("result", "fields", "ufCrm5_1721812814433") == nil)
        }
    }

    /// api-reference/crm/universal/crm-item-list.md: filter prefixes, order, select; unknown filter field → 400
    /// INVALID_ARG_VALUE "Invalid filter: field 'X' is not allowed in filter".
    @Test func listFiltersOrdersAndSelects() async throws {
        try await SimulatorHarness().run { client in
            for (index, title) in ["alpha", "beta", "gamma", "delta"].enumerated() {
                _ = try await client.call(
                    "crm.item.add",
                    [
                        "entityTypeId": 2,
                        "fields": [
                            "title": .string(title), "opportunity": .int(index * 100),
                            "originId": .string("SO-\(index)"),
                        ],
                    ]
                )
            }
            func ids(_ parameters: JSONValue) async throws -> [Int] {
                let answer = try await client.call("crm.item.list", parameters)
                #expect(answer.status == 200)
                return (answer.json.at("result", "items")?.elements ?? []).compactMap { $0["id"]?.intValue }
            }
            #expect(try await ids(["entityTypeId": 2, "filter": [">opportunity": 100]]) == [3, 4])
            #expect(
                try await ids(["entityTypeId": 2, "filter": [">=opportunity": 100, "<opportunity": 300]]) == [2, 3]
            )
            #expect(try await ids(["entityTypeId": 2, "filter": ["@id": [1, 4]]]) == [1, 4])
            #expect(try await ids(["entityTypeId": 2, "filter": ["!@id": [1, 4]]]) == [2, 3])
            #expect(try await ids(["entityTypeId": 2, "filter": ["%title": "lt"]]) == [4])
            #expect(try await ids(["entityTypeId": 2, "filter": ["=%title": "%a"]]) == [1, 2, 3, 4])
            #expect(try await ids(["entityTypeId": 2, "filter": ["=%title": "g%"]]) == [3])
            #expect(try await ids(["entityTypeId": 2, "filter": ["!title": "beta"]]) == [1, 3, 4])
            #expect(try await ids(["entityTypeId": 2, "filter": ["=originId": "SO-2"]]) == [3])
            #expect(try await ids(["entityTypeId": 2, "order": ["opportunity": "DESC"]]) == [4, 3, 2, 1])
            #expect(
                try await ids([
                    "entityTypeId": 2, "filter": ["logic": "OR", "0": ["title": "alpha"], "1": ["title": "delta"]],
                ]) == [1, 4]
            )
            let selected = try await client.form("crm.item.list", "entityTypeId=2&select[]=title&filter[>id]=3")
            #expect(selected.json.at("result", "items", 0)?.keys == ["id", "title"])
            #expect(selected.json["total"] == .int(1))
            #expect(selected.json["next"] == nil)
            let bad = try await client.call("crm.item.list", ["entityTypeId": 2, "filter": ["FOO": 1]])
            #expect(bad.status == 400)
            #expect(
                bad.json == [
                    "error": "INVALID_ARG_VALUE",
                    "error_description": "Invalid filter: field 'FOO' is not allowed in filter",
                ]
            )
            let badOrder = try await client.call("crm.item.list", ["entityTypeId": 2, "order": ["id": "UP"]])
            #expect(badOrder.status == 400)
            #expect(badOrder.json["error"] == "INVALID_ARG_VALUE")
        }
    }

    /// The look-up index behind `=originId` / `@originId` / `@xmlId` follows adds, updates that change the key and
    /// deletes, so a list by ERP id answers what a full scan would.
    @Test func listByErpIdFollowsWrites() async throws {
        try await SimulatorHarness().run { client in
            for index in 1...3 {
                _ = try await client.call(
                    "crm.item.add",
                    ["entityTypeId": 2, "fields": ["title": "d", "originId": .string("SO-\(index)")]]
                )
            }
            _ = try await client.call("crm.item.add", ["entityTypeId": 1280, "fields": ["xmlId": "SO-1"]])
            func ids(_ entityTypeId: Int, _ filter: JSONValue) async throws -> [Int] {
                let answer = try await client.call(
                    "crm.item.list",
                    ["entityTypeId": .int(entityTypeId), "filter": filter]
                )
                #expect(answer.status == 200)
                return (answer.json.at("result", "items")?.elements ?? []).compactMap { $0["id"]?.intValue }
            }
            #expect(try await ids(2, ["@originId": ["SO-1", "SO-3", "SO-9"]]) == [1, 3])
            #expect(try await ids(1280, ["@xmlId": ["SO-1"]]) == [1])
            _ = try await client.call("crm.item.update", ["entityTypeId": 2, "id": 1, "fields": ["originId": "SO-7"]])
            #expect(try await ids(2, ["=originId": "SO-1"]) == [])
            #expect(try await ids(2, ["=originId": "SO-7", ">id": 0]) == [1])
            _ = try await client.call("crm.item.delete", ["entityTypeId": 2, "id": 3])
            #expect(try await ids(2, ["@originId": ["SO-2", "SO-3", "SO-7"]]) == [1, 2])
            #expect(try await ids(2, ["@originId": ["SO-2"], "!id": 2]) == [])
        }
    }

    /// The same call through a GET query string with PHP bracket keys (`settings/how-to-call-rest-api/data-encoding.md`).
    @Test func queryStringCallsWork() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.form("crm.item.add", "entityTypeId=2&fields%5Btitle%5D=Q%26A")
            let answer = try await client.get(
                client.webhookPath + "crm.item.list?entityTypeId=2&select%5B%5D=title&order%5Bid%5D=ASC"
            )
            #expect(answer.status == 200)
            #expect(answer.json.at("result", "items", 0, "title") == "Q&A")
        }
    }
}
