/// The deprecated `crm.deal.*` methods with UPPER field names and scalar write results
/// (`api-reference/crm/deals/crm-deal-*.md`).
package enum DealLegacyMethods {
    static let handlers: [String: MethodCatalog.Handler] = [
        "crm.deal.list": list,
        "crm.deal.get": get,
        "crm.deal.add": add,
        "crm.deal.update": update,
        "crm.deal.delete": delete,
        "crm.deal.fields": fields,
    ]

    /// `result` is the array of deals itself (no `items` wrapper), plus `total`/`next`.
    static func list(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(2)
        let query = try ItemListQuery(call: call, schema: schema)
        let page = query.page(of: state.listCandidates(2, filter: query.filter), dates: state.dates)
        let rendering = ItemRendering(schema: schema, originalUserFieldNames: true)
        let fields = rendering.selectedFields(call["select"])
        return MethodAnswer(
            .array(page.rows.map { rendering.legacyItem($0, fields: fields) }),
            total: page.total,
            next: page.next
        )
    }

    static func get(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(2)
        guard let id = call["id"]?.intValue, id > 0 else { throw .legacy("ID is not defined or invalid.") }
        guard let item = state.items[2]?[id] else { throw .legacy("Not found") }
        return MethodAnswer(
            ItemRendering(schema: schema, originalUserFieldNames: true).legacyItem(item, fields: schema.fields)
        )
    }

    /// `result` = the new id.
    static func add(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let fields = try fieldsParameter(call)
        let item = try legacyErrors { () throws(PortalError) -> [String: JSONValue] in
            try state.addItem(entityTypeId: 2, fields: fields, origin: .rest(userId: call.userId), now: call.now)
        }
        return MethodAnswer(item["id"] ?? .null)
    }

    /// `result: true`; the pipeline cannot be changed here (use `crm.item.update`).
    static func update(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        guard let id = call["id"]?.intValue, id > 0 else { throw .legacy("ID is not defined or invalid.") }
        guard state.items[2]?[id] != nil else { throw .legacy("Not found") }
        let fields = try fieldsParameter(call)
        try legacyErrors { () throws(PortalError) -> [String: JSONValue] in
            try state.updateItem(
                entityTypeId: 2,
                id: id,
                fields: fields,
                origin: .rest(userId: call.userId),
                now: call.now,
                allowCategoryChange: false
            )
        }
        return MethodAnswer(true)
    }

    static func delete(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        guard let id = call["id"]?.intValue, id > 0 else { throw .legacy("ID is not defined or invalid.") }
        guard state.items[2]?[id] != nil else { throw .legacy("Not found") }
        try state.deleteItem(entityTypeId: 2, id: id, origin: .rest(userId: call.userId), now: call.now)
        return MethodAnswer(true)
    }

    /// `result` = `{UPPER_NAME: description}` with no `fields` wrapper.
    static func fields(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(2)
        return MethodAnswer(.object(schema.fields.map { JSONMember(key: $0.upperName, value: $0.legacyDescription) }))
    }

    private static func fieldsParameter(_ call: MethodCall) throws(PortalError) -> [JSONMember] {
        guard let fields = call["fields"], case .object(let members) = fields else {
            throw .legacy("Parameter 'fields' must be array.")
        }
        return members
    }

    /// Legacy methods report field errors with an empty `error` code and the text in `error_description`.
    @discardableResult
    private static func legacyErrors<T>(_ body: () throws(PortalError) -> T) throws(PortalError) -> T {
        do {
            return try body()
        } catch {
            if error.code == .fieldRequired || error.code == .fieldValueNotValid { throw .legacy(error.message) }
            throw error
        }
    }
}
