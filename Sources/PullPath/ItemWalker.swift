import Bitrix24
package import FleetRuntime
package import SyncCore

/// Walks every item of one entity type that matches a filter with the fast traversal (bitrix24-rest.md §3.2):
/// `order {id: ASC}`, `filter {>id: last}`, `start = -1` (no COUNT), 50 items a page, until a short page. Each
/// item is seen exactly once even while others are added, which offset paging cannot promise.
package struct ItemWalker: Sendable {
    /// The least an item says: its id and `updatedTime`.
    package struct Entry: Sendable, Equatable {
        package var id: Int64
        package var updatedTime: String?
    }

    private let budget: PortalRequestBudget

    package init(budget: PortalRequestBudget) {
        self.budget = budget
    }

    /// Calls `visit` with each page of items of `entityTypeId` matching `filter`; returns how many there were.
    @discardableResult
    package func walk(
        _ portal: PortalConnection,
        entityTypeId: Int,
        filter: JSONObject = JSONObject(),
        visit: ([Entry]) async throws -> Void
    ) async throws -> Int {
        var lastID: Int64 = 0
        var count = 0
        while true {
            var pageFilter = filter
            pageFilter[">id"] = .int(lastID)
            try await budget.acquire(portal: portal.domain, limit: portal.limit)
            let answer = try await portal.client.call(
                "crm.item.list",
                [
                    "entityTypeId": .int(Int64(entityTypeId)), "select": ["id", "updatedTime"],
                    "filter": .object(pageFilter), "order": ["id": "ASC"], "start": -1,
                    "useOriginalUfNames": "N",
                ]
            )
            let items = answer.result["items"]?.arrayValue ?? []
            let entries = items.compactMap { item -> Entry? in
                guard let id = item["id"]?.integerValue else { return nil }
                return Entry(id: id, updatedTime: item["updatedTime"]?.stringValue)
            }
            if !entries.isEmpty { try await visit(entries) }
            count += entries.count
            guard entries.count >= 50, let last = entries.last?.id, last > lastID else { return count }
            lastID = last
        }
    }
}
