/// The universal CRM API: `crm.item.list/get/add/update/delete/fields`
/// (`api-reference/crm/universal/crm-item-*.md`).
package enum ItemMethods {
    static let handlers: [String: MethodCatalog.Handler] = [
        "crm.item.list": list,
        "crm.item.get": get,
        "crm.item.add": add,
        "crm.item.update": update,
        "crm.item.delete": delete,
        "crm.item.fields": fields,
    ]

    /// `{"result": {"items": [...]}, "total": N, "next": 50}`.
    static func list(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(call["entityTypeId"]?.intValue)
        let rendering = ItemRendering(schema: schema, originalUserFieldNames: call.usesOriginalUserFieldNames)
        let query = try ItemListQuery(call: call, schema: schema)
        let page = query.page(
            of: state.listCandidates(schema.entityTypeId, filter: query.filter),
            dates: state.dates
        )
        let fields = rendering.selectedFields(call["select"])
        let rows = page.rows.map { rendering.item($0, fields: fields) }
        return MethodAnswer(["items": .array(rows)], total: page.total, next: page.next)
    }

    /// `{"result": {"item": {...}}}`.
    static func get(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(call["entityTypeId"]?.intValue)
        guard let id = call["id"]?.intValue, let item = state.items[schema.entityTypeId]?[id] else {
            throw .itemNotFound
        }
        let rendering = ItemRendering(schema: schema, originalUserFieldNames: call.usesOriginalUserFieldNames)
        return MethodAnswer(["item": rendering.item(item)])
    }

    /// `{"result": {"item": {...full item...}}}`.
    static func add(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(call["entityTypeId"]?.intValue)
        let item = try state.addItem(
            entityTypeId: schema.entityTypeId,
            fields: try fieldsParameter(call),
            origin: .rest(userId: call.userId),
            now: call.now
        )
        let rendering = ItemRendering(schema: schema, originalUserFieldNames: call.usesOriginalUserFieldNames)
        return MethodAnswer(["item": rendering.item(item)])
    }

    /// `{"result": {"item": {...}}}`.
    static func update(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(call["entityTypeId"]?.intValue)
        guard let id = call["id"]?.intValue else { throw .itemNotFound }
        let item = try state.updateItem(
            entityTypeId: schema.entityTypeId,
            id: id,
            fields: try fieldsParameter(call),
            origin: .rest(userId: call.userId),
            now: call.now
        )
        let rendering = ItemRendering(schema: schema, originalUserFieldNames: call.usesOriginalUserFieldNames)
        return MethodAnswer(["item": rendering.item(item)])
    }

    /// `{"result": []}`.
    static func delete(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(call["entityTypeId"]?.intValue)
        guard let id = call["id"]?.intValue else { throw .itemNotFound }
        try state.deleteItem(
            entityTypeId: schema.entityTypeId,
            id: id,
            origin: .rest(userId: call.userId),
            now: call.now
        )
        return MethodAnswer(.array([]))
    }

    /// `{"result": {"fields": {name: description}}}`; user-field keys follow `useOriginalUfNames`.
    static func fields(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let schema = try state.schema(call["entityTypeId"]?.intValue)
        let rendering = ItemRendering(schema: schema, originalUserFieldNames: call.usesOriginalUserFieldNames)
        let members = schema.fields.map { JSONMember(key: rendering.key(for: $0), value: $0.itemDescription) }
        return MethodAnswer(["fields": .object(members)])
    }

    private static func fieldsParameter(_ call: MethodCall) throws(PortalError) -> [JSONMember] {
        guard let fields = call["fields"], case .object(let members) = fields else {
            throw .invalidArgument("Required parameter \"fields\" is missing or is not an object")
        }
        return members
    }
}
