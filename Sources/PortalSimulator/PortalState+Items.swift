/// Item writes with the portal's side effects: defaults, stage rules, `updatedTime`, events and robots.
extension PortalState {
    /// The schema for `entityTypeId`, or `NOT_FOUND` "SPA not found" as `crm.item.*` answers.
    package func schema(_ entityTypeId: Int?) throws(PortalError) -> EntityTypeSchema {
        guard let entityTypeId, let schema = schemas[entityTypeId] else { throw .typeNotFound }
        return schema
    }

    /// The items a list with `filter` has to look at: those the look-up index finds when the filter pins an
    /// indexed ERP key, otherwise every item of the type.
    package func listCandidates(_ entityTypeId: Int, filter: ItemFilter) -> [[String: JSONValue]] {
        let all = items[entityTypeId] ?? [:]
        guard let pinned = filter.pinnedTexts(),
            let ids = lookupIndex.ids(entityTypeId: entityTypeId, field: pinned.field, texts: pinned.texts)
        else { return Array(all.values) }
        return ids.compactMap { all[$0] }
    }

    /// Items of a type ordered by id.
    package func sortedItems(_ entityTypeId: Int) -> [[String: JSONValue]] {
        (items[entityTypeId] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
    }

    /// Creates an item from camelCase/UPPER `fields`; returns the stored item.
    /// - Throws: `NOT_FOUND`, `CRM_FIELD_ERROR_VALUE_NOT_VALID`, `CRM_FIELD_ERROR_REQUIRED`.
    @discardableResult
    package mutating func addItem(
        entityTypeId: Int,
        fields: [JSONMember],
        origin: ChangeOrigin,
        now: Double
    ) throws(PortalError) -> [String: JSONValue] {
        let schema = try schema(entityTypeId)
        let id = nextItemId[entityTypeId, default: 1]
        let user = origin.userId
        let stamp = JSONValue.string(dates.string(fromUnix: now))
        let category = schema.defaultCategory
        var item: [String: JSONValue] = [:]
        for field in schema.fields { item[field.name] = .null }
        item["id"] = .int(id)
        item["title"] = .string("\(schema.typeTitle) #\(id)")
        item["categoryId"] = .int(category.id)
        item["stageId"] = .string(category.stages[0])
        item["opportunity"] = .double(0)
        item["currencyId"] = "EUR"
        item["isManualOpportunity"] = "N"
        item["opened"] = "Y"
        item["assignedById"] = .int(user)
        item["companyId"] = .int(0)
        item["contactId"] = .int(0)
        item["begindate"] = .string(
            dates.string(fromUnix: (now / 86_400).rounded(.down) * 86_400 - Double(configuration.utcOffsetSeconds))
        )
        item["createdTime"] = stamp
        item["updatedTime"] = stamp
        item["movedTime"] = stamp
        item["createdBy"] = .int(user)
        item["updatedBy"] = .int(user)
        item["movedBy"] = .int(user)
        if schema.field(named: "entityTypeId") != nil { item["entityTypeId"] = .int(entityTypeId) }
        if schema.isDeal { item["typeId"] = "SALE" }
        try apply(fields, to: &item, schema: schema, isNew: true)
        try checkStageRequirements(item, schema: schema, origin: origin)
        items[entityTypeId, default: [:]][id] = item
        lookupIndex.replace(entityTypeId: entityTypeId, id: id, old: nil, new: item)
        nextItemId[entityTypeId] = id + 1
        fire(.add, schema: schema, id: id, now: now, origin: origin)
        scheduleRobots(schema: schema, item: item, previousStage: nil)
        return item
    }

    /// Changes an item; a change that sets every field to its current value is not saved (no event,
    /// `updatedTime` unchanged), as `crm.item.update` skips saving unchanged items.
    /// - Throws: `NOT_FOUND` "Item not found", field errors.
    @discardableResult
    package mutating func updateItem(
        entityTypeId: Int,
        id: Int,
        fields: [JSONMember],
        origin: ChangeOrigin,
        now: Double,
        allowCategoryChange: Bool = true
    ) throws(PortalError) -> [String: JSONValue] {
        let schema = try schema(entityTypeId)
        guard let existing = items[entityTypeId]?[id] else { throw .itemNotFound }
        var item = existing
        var input = fields
        if !allowCategoryChange { input.removeAll { schema.field(anyName: $0.key)?.name == "categoryId" } }
        try apply(input, to: &item, schema: schema, isNew: false)
        guard item != existing else { return existing }
        let previousStage = existing["stageId"]?.stringValue
        let stageChanged = item["stageId"] != existing["stageId"]
        if stageChanged { try checkStageRequirements(item, schema: schema, origin: origin) }
        let previousTime = existing["updatedTime"]?.stringValue.flatMap { dates.unixSeconds(from: $0) } ?? 0
        let stamp = JSONValue.string(dates.string(fromUnix: max(now.rounded(.down), previousTime + 1)))
        item["updatedTime"] = stamp
        item["updatedBy"] = .int(origin.userId)
        if stageChanged {
            item["movedTime"] = stamp
            item["movedBy"] = .int(origin.userId)
        }
        items[entityTypeId]?[id] = item
        lookupIndex.replace(entityTypeId: entityTypeId, id: id, old: existing, new: item)
        fire(.update, schema: schema, id: id, now: now, origin: origin)
        if stageChanged { scheduleRobots(schema: schema, item: item, previousStage: previousStage) }
        return item
    }

    /// Deletes an item. - Throws: `NOT_FOUND` "Item not found".
    package mutating func deleteItem(
        entityTypeId: Int,
        id: Int,
        origin: ChangeOrigin,
        now: Double
    ) throws(PortalError) {
        let schema = try schema(entityTypeId)
        guard let existing = items[entityTypeId]?[id] else { throw .itemNotFound }
        items[entityTypeId]?[id] = nil
        lookupIndex.replace(entityTypeId: entityTypeId, id: id, old: existing, new: nil)
        fire(.delete, schema: schema, id: id, now: now, origin: origin)
    }

    private mutating func apply(
        _ fields: [JSONMember],
        to item: inout [String: JSONValue],
        schema: EntityTypeSchema,
        isNew: Bool
    ) throws(PortalError) {
        var newCategory: Int?
        var newStage: String?
        for member in fields {
            guard let field = schema.field(anyName: member.key), !field.isReadOnly else { continue }
            if field.isImmutable, !isNew { continue }
            let value = try field.coerce(member.value, dates: dates)
            switch field.name {
            case "categoryId": newCategory = value.intValue
            case "stageId": newStage = value.stringValue
            default: item[field.name] = value
            }
        }
        if let newStage {
            guard let category = schema.category(ofStage: newStage) else {
                throw PortalError(.fieldValueNotValid, "The \"Stage\" field has an invalid value", status: 400)
            }
            item["stageId"] = .string(newStage)
            item["categoryId"] = .int(category.id)
        } else if let newCategory, newCategory != item["categoryId"]?.intValue {
            guard let category = schema.category(id: newCategory) else {
                throw PortalError(.fieldValueNotValid, "The \"Pipeline\" field has an invalid value", status: 400)
            }
            item["categoryId"] = .int(category.id)
            item["stageId"] = .string(category.stages[0])
        }
    }

    /// `CRM_FIELD_ERROR_REQUIRED` for the first empty field the item's stage requires.
    private func checkStageRequirements(
        _ item: [String: JSONValue],
        schema: EntityTypeSchema,
        origin: ChangeOrigin
    ) throws(PortalError) {
        guard configuration.enforcesStageRequirements, origin != .automation,
            let stage = item["stageId"]?.stringValue,
            let required = stageRequirements[schema.entityTypeId]?[stage]
        else { return }
        for name in required {
            guard let field = schema.field(anyName: name) else { continue }
            if (item[field.name] ?? .null).isEmptyValue { throw .fieldRequired(field.title) }
        }
    }

    private mutating func scheduleRobots(schema: EntityTypeSchema, item: [String: JSONValue], previousStage: String?) {
        guard let stage = item["stageId"]?.stringValue, stage != previousStage, let id = item["id"]?.intValue else {
            return
        }
        for rule in robots where rule.entityTypeId == schema.entityTypeId && rule.stageId == stage {
            outbox.append(.robot(rule, itemId: id))
        }
    }
}

extension PortalState.ChangeOrigin {
    /// The user recorded in `updatedBy`; automation is recorded as the admin (user 1), the robot's owner.
    var userId: Int {
        switch self {
        case .rest(let userId), .user(let userId): userId
        case .automation: 1
        }
    }
}
