/// `filter` + `order` + `start` paging shared by `crm.item.list` and `crm.deal.list`
/// (`settings/how-to-call-rest-api/list-methods-pecularities.md`, `settings/performance/huge-data.md`).
package struct ItemListQuery: Sendable {
    /// Fixed page size of every list method.
    package static let pageSize = 50

    package var filter: ItemFilter
    package var order: [(field: FieldDefinition, ascending: Bool)]
    package var start: Int

    /// Reads `filter`, `order`, `start`.
    /// - Throws: `INVALID_ARG_VALUE` for unknown filter/order fields or a bad direction.
    package init(call: MethodCall, schema: EntityTypeSchema) throws(PortalError) {
        filter = try ItemFilter.parse(call["filter"]) { schema.field(anyName: $0) }
        order = []
        for member in call["order"]?.members ?? [] {
            guard let field = schema.field(anyName: member.key) else {
                throw .invalidArgument("Invalid order: field '\(member.key)' is not allowed")
            }
            switch member.value.stringValue?.uppercased() {
            case "ASC": order.append((field, true))
            case "DESC": order.append((field, false))
            default: throw .invalidArgument("Invalid order: allowed sort directions are ASC, DESC")
            }
        }
        start = call["start"]?.intValue ?? 0
    }

    /// One page: rows, `total` (0 when `start` < 0) and `next` (nil on the last page or when `start` < 0).
    package func page(
        of items: [[String: JSONValue]],
        dates: PortalDateFormat
    ) -> (rows: [[String: JSONValue]], total: Int, next: Int?) {
        // Filter first, then sort only what matched: a look-up over a large portal stays cheap.
        var matching = items.filter { filter.matches($0, dates: dates) }
        if order.isEmpty {
            matching.sort { ($0["id"]?.intValue ?? 0) < ($1["id"]?.intValue ?? 0) }
        } else {
            matching.sort { left, right in
                for (field, ascending) in order {
                    let comparison = Self.compare(
                        left[field.name] ?? .null,
                        right[field.name] ?? .null,
                        field: field,
                        dates: dates
                    )
                    if comparison != 0 { return ascending ? comparison < 0 : comparison > 0 }
                }
                return (left["id"]?.intValue ?? 0) < (right["id"]?.intValue ?? 0)
            }
        }
        if start < 0 {
            return (Array(matching.prefix(Self.pageSize)), 0, nil)
        }
        let rows = Array(matching.dropFirst(start).prefix(Self.pageSize))
        let next = start + Self.pageSize < matching.count ? start + Self.pageSize : nil
        return (rows, matching.count, next)
    }

    private static func compare(_ left: JSONValue, _ right: JSONValue, field: FieldDefinition, dates: PortalDateFormat)
        -> Int
    {
        if left == right { return 0 }
        if left == .null { return -1 }
        if right == .null { return 1 }
        switch field.type {
        case "datetime", "date":
            let leftSeconds = left.stringValue.flatMap { dates.unixSeconds(from: $0) } ?? 0
            let rightSeconds = right.stringValue.flatMap { dates.unixSeconds(from: $0) } ?? 0
            return leftSeconds < rightSeconds ? -1 : (leftSeconds > rightSeconds ? 1 : 0)
        default:
            if let leftNumber = left.doubleValue, let rightNumber = right.doubleValue, field.type != "string" {
                return leftNumber < rightNumber ? -1 : (leftNumber > rightNumber ? 1 : 0)
            }
            let leftText = left.stringValue ?? ""
            let rightText = right.stringValue ?? ""
            return leftText < rightText ? -1 : (leftText > rightText ? 1 : 0)
        }
    }
}
