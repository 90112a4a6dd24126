import PortalSimulator
import Testing

/// Paging through 1,240 items (the artifact pack's `count=1240` check), both ways the docs describe
/// (`settings/how-to-call-rest-api/list-methods-pecularities.md`, `settings/performance/huge-data.md`).
@Suite struct PagingTests {
    static let itemCount = 1240

    /// Offset paging: `start` = previous `next`, `total` on every page, no `next` on the last page.
    @Test func offsetPagingReturnsEveryIdOnce() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            let seeded = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 2, "count": .int(Self.itemCount)]
            )
            #expect(seeded.json["created"] == .int(Self.itemCount))
            try await relaxLimits(client)
            var seen: [Int] = []
            var start: Int? = 0
            var pages = 0
            while let offset = start {
                let page = try await client.call(
                    "crm.item.list",
                    ["entityTypeId": 2, "select": ["id"], "start": .int(offset)]
                )
                #expect(page.status == 200)
                #expect(page.json["total"] == .int(Self.itemCount))
                let rows = page.json.at("result", "items")?.elements ?? []
                #expect(rows.count <= 50)
                seen += rows.compactMap { $0["id"]?.intValue }
                start = page.json["next"]?.intValue
                pages += 1
            }
            #expect(pages == 25)
            #expect(seen.count == Self.itemCount)
            #expect(Set(seen) == Set(1...Self.itemCount))
        }
    }

    /// Keyset paging: `order[id]=ASC`, `filter[>id]=<last id>`, `start=-1` → `total` 0 and never `next`.
    @Test func keysetPagingWithStartMinusOneReturnsEveryIdOnce() async throws {
        let harness = SimulatorHarness()
        try await harness.run { client in
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 1280, "count": .int(Self.itemCount)]
            )
            try await relaxLimits(client)
            var seen: [Int] = []
            var lastId = 0
            while true {
                let page = try await client.form(
                    "crm.item.list",
                    "entityTypeId=1280&order[id]=ASC&filter[>id]=\(lastId)&select[]=id&select[]=updatedTime&start=-1"
                )
                #expect(page.status == 200)
                #expect(page.json["total"] == .int(0))
                #expect(page.json["next"] == nil)
                let ids = (page.json.at("result", "items")?.elements ?? []).compactMap { $0["id"]?.intValue }
                seen += ids
                guard ids.count == 50, let last = ids.last else { break }
                lastId = last
            }
            #expect(seen.count == Self.itemCount)
            #expect(Set(seen).count == Self.itemCount)
            #expect(seen == seen.sorted())
        }
    }

    /// Keyset pages chained inside one `batch` with `$result[pN][items][49][id]`, as the official SDKs do.
    @Test func chainedKeysetPagesInsideOneBatch() async throws {
        try await SimulatorHarness().run { client in
            _ = try await client.admin(
                .post,
                "portals/\(SimulatorHarness.domain)/seed",
                ["entityTypeId": 2, "count": 120]
            )
            var commands: [JSONMember] = [
                JSONMember(
                    key: "p0",
                    value: "crm.item.list?entityTypeId=2&order[id]=ASC&filter[>id]=0&select[]=id&start=-1"
                )
            ]
            for index in 1..<3 {
                commands.append(
                    JSONMember(
                        key: "p\(index)",
                        value: .string(
                            "crm.item.list?entityTypeId=2&order[id]=ASC&filter[>id]=$result[p\(index - 1)][items][49][id]&select[]=id&start=-1"
                        )
                    )
                )
            }
            let answer = try await client.call("batch", ["halt": 0, "cmd": .object(commands)])
            let pages = (0..<3).map {
                answer.json.at("result", "result", "p\($0)", "items")?.elements.compactMap { $0["id"]?.intValue } ?? []
            }
            #expect(pages[0].first == 1)
            #expect(pages[1].first == 51)
            #expect(pages[2] == Array(101...120))
        }
    }

    private func relaxLimits(_ client: SimulatorClient) async throws {
        _ = try await client.admin(.post, "portals/\(SimulatorHarness.domain)/limits", ["enabled": false])
    }
}
