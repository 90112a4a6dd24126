import PortalSimulator
import Testing

/// Capability checks (`api-reference/common/system/*.md`) and `batch` (`settings/how-to-call-rest-api/batch.md`).
@Suite struct SystemAndBatchTests {
    /// scope → array of scopes; method.get → isExisting/isAvailable; feature.get → value Y/N, CODE_EMPTY without CODE;
    /// server.time → ISO string with the portal offset.
    @Test func capabilityMethods() async throws {
        try await SimulatorHarness().run { client in
            let scope = try await client.call("scope")
            #expect(scope.json["result"]?.elements.contains("crm") == true)
            let method = try await client.call("method.get", ["name": "crm.item.list"])
            #expect(method.json["result"] == ["isExisting": true, "isAvailable": true])
            let unknown = try await client.call("method.get", ["name": "crm.item.fly"])
            #expect(unknown.json["result"] == ["isExisting": false, "isAvailable": false])
            let feature = try await client.call("feature.get", ["CODE": "rest_offline_extended"])
            #expect(feature.json["result"] == ["value": "Y"])
            let empty = try await client.call("feature.get")
            #expect(empty.status == 400)
            #expect(empty.json["error"] == "CODE_EMPTY")
            let time = try await client.call("server.time")
            let text = try #require(time.json["result"]?.stringValue)
            #expect(text.count == 25)
            #expect(text.hasSuffix("+03:00"))
        }
    }

    /// Batch answer sections: result / result_error / result_total / result_next / result_time; empty sections are `[]`;
    /// `halt=1` stops after the first error; nested batch → ERROR_BATCH_METHOD_NOT_ALLOWED inside result_error.
    @Test func batchShapesAndHalt() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 2, "count": 60]
            )
            let batch = try await client.call(
                "batch",
                [
                    "halt": 0,
                    "cmd": [
                        "list": "crm.item.list?entityTypeId=2&select[]=id",
                        "get": "crm.item.get?entityTypeId=2&id=$result[list][items][0][id]",
                        "bad": "crm.item.update?entityTypeId=2&id=999999&fields[title]=x",
                        "nested": "batch?cmd[a]=server.time",
                    ],
                ]
            )
            #expect(batch.status == 200)
            let result = try #require(batch.json["result"])
            #expect(result.keys == ["result", "result_error", "result_total", "result_next", "result_time"])
            #expect(result.at("result", "get", "item", "id") == .int(1))
            #expect(result.at("result_error", "bad") == ["error": "NOT_FOUND", "error_description": "Item not found"])
            #expect(result.at("result_error", "nested", "error") == "ERROR_BATCH_METHOD_NOT_ALLOWED")
            #expect(result.at("result_total", "list") == .int(60))
            #expect(result.at("result_next", "list") == .int(50))
            #expect(result.at("result_time", "list", "operating") != nil)

            let quiet = try await client.call("batch", ["cmd": ["t": "server.time"]])
            #expect(quiet.json.at("result", "result_error") == .array([]))
            #expect(quiet.json.at("result", "result_next") == .array([]))

            let halted = try await client.form(
                "batch",
                "halt=1&cmd[a]=crm.item.get%3FentityTypeId%3D2%26id%3D999999&cmd[b]=crm.item.add%3FentityTypeId%3D2%26fields%5Btitle%5D%3Dnever"
            )
            #expect(halted.json.at("result", "result_error", "a", "error") == "NOT_FOUND")
            #expect(halted.json.at("result", "result", "b") == nil)
            let count = try await client.call("crm.item.list", ["entityTypeId": 2, "select": ["id"]])
            #expect(count.json["total"] == .int(60))
        }
    }
}
