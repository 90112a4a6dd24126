/// Turns stored items into the JSON `crm.item.*` and `crm.deal.*` return.
package struct ItemRendering: Sendable {
    package var schema: EntityTypeSchema
    /// `useOriginalUfNames=Y`: user fields keep their `UF_CRM_...` names.
    package var originalUserFieldNames: Bool

    package init(schema: EntityTypeSchema, originalUserFieldNames: Bool) {
        self.schema = schema
        self.originalUserFieldNames = originalUserFieldNames
    }

    /// The key a field has in `crm.item.*` output.
    package func key(for field: FieldDefinition) -> String {
        field.isDynamic && originalUserFieldNames ? field.upperName : field.name
    }

    /// Fields named by `select` (`*`, empty or missing = all); `id` always comes back.
    package func selectedFields(_ select: JSONValue?) -> [FieldDefinition] {
        let names = select?.elements.compactMap(\.stringValue) ?? []
        if names.isEmpty || names.contains("*") { return schema.fields }
        var chosen = Set(names.compactMap { schema.field(anyName: $0)?.name })
        if names.contains("UF_*") { chosen.formUnion(schema.fields.filter(\.isDynamic).map(\.name)) }
        chosen.insert("id")
        return schema.fields.filter { chosen.contains($0.name) }
    }

    /// A `crm.item.*` item: camelCase keys in schema order, `entityTypeId` last for deals (as `crm.item.get` shows).
    package func item(_ values: [String: JSONValue], fields: [FieldDefinition]? = nil) -> JSONValue {
        let chosen = fields ?? schema.fields
        var members = chosen.map { JSONMember(key: key(for: $0), value: values[$0.name] ?? .null) }
        if fields == nil, schema.field(named: "entityTypeId") == nil {
            members.append(JSONMember(key: "entityTypeId", value: .int(schema.entityTypeId)))
        }
        return .object(members)
    }

    /// A legacy `crm.deal.*` row: UPPER keys, numbers as strings, money with two decimals.
    package func legacyItem(_ values: [String: JSONValue], fields: [FieldDefinition]) -> JSONValue {
        .object(
            fields.map { field in
                let value = values[field.name] ?? .null
                return JSONMember(key: field.upperName, value: Self.legacyValue(value, type: field.type))
            }
        )
    }

    static func legacyValue(_ value: JSONValue, type: String) -> JSONValue {
        switch value {
        case .int(let number): return .string(String(number))
        case .double(let number) where type == "double" || type == "money": return .string(twoDecimals(number))
        case .double(let number): return .string(JSONValue.format(number))
        case .bool(let flag): return .string(flag ? "Y" : "N")
        default: return value
        }
    }

    /// `1000000` → `"1000000.00"`, as legacy `OPPORTUNITY` is written.
    static func twoDecimals(_ number: Double) -> String {
        let cents = Int((abs(number) * 100).rounded())
        let fraction = cents % 100
        return (number < 0 ? "-" : "") + "\(cents / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
