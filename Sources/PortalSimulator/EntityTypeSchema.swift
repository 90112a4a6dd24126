/// What a portal knows about one CRM entity type: its fields and its pipelines with stages.
package struct EntityTypeSchema: Sendable {
    /// A pipeline (`categoryId`) and its stages in order.
    package struct Category: Sendable, Equatable {
        package var id: Int
        package var name: String
        package var isDefault: Bool
        /// Stage ids (`NEW`, `C3:NEW`, `DT1280_7:NEW`) in pipeline order.
        package var stages: [String]

        package init(id: Int, name: String, isDefault: Bool, stages: [String]) {
            self.id = id
            self.name = name
            self.isDefault = isDefault
            self.stages = stages
        }
    }

    package var entityTypeId: Int
    /// Used for the default title: `Deal #12`.
    package var typeTitle: String
    package var fields: [FieldDefinition]
    package var categories: [Category]

    /// True for deals: legacy `crm.deal.*` and `ONCRMDEAL*` events apply.
    package var isDeal: Bool { entityTypeId == 2 }

    package func field(named name: String) -> FieldDefinition? {
        fields.first { $0.name == name }
    }

    /// The field whose camelCase, UPPER or legacy name is `name`.
    package func field(anyName name: String) -> FieldDefinition? {
        fields.first { $0.name == name } ?? fields.first { $0.upperName == name }
            ?? fields.first { $0.name.lowercased() == name.lowercased() }
    }

    package var defaultCategory: Category {
        categories.first { $0.isDefault } ?? categories[0]
    }

    package func category(id: Int) -> Category? {
        categories.first { $0.id == id }
    }

    /// The pipeline a stage belongs to.
    package func category(ofStage stageId: String) -> Category? {
        categories.first { $0.stages.contains(stageId) }
    }

    /// The `statusType` of a pipeline's stages: `DEAL_STAGE`, `DEAL_STAGE_3`, `DYNAMIC_1280_STAGE_7`.
    package func stageStatusType(categoryId: Int) -> String {
        if isDeal { return categoryId == 0 ? "DEAL_STAGE" : "DEAL_STAGE_\(categoryId)" }
        return "DYNAMIC_\(entityTypeId)_STAGE_\(categoryId)"
    }

    /// Deals as a default cloud portal has them: pipeline 0 (General) and pipeline 3 (ERP orders).
    package static func deals() -> EntityTypeSchema {
        var fields = commonFields(statusType: "DEAL_STAGE", deal: true)
        fields += [
            FieldDefinition("typeId", upper: "TYPE_ID", type: "crm_status", title: "Type", statusType: "DEAL_TYPE"),
            FieldDefinition("originatorId", upper: "ORIGINATOR_ID", type: "string", title: "External source"),
            FieldDefinition("originId", upper: "ORIGIN_ID", type: "string", title: "Item ID in data source"),
            FieldDefinition.userField(camelName: "ufCrm_1721244707107", type: "double", title: "ERP amount"),
            FieldDefinition.userField(camelName: "ufCrm_1721244800001", type: "string", title: "Contract number"),
        ]
        return EntityTypeSchema(
            entityTypeId: 2,
            typeTitle: "Deal",
            fields: fields,
            categories: [
                Category(
                    id: 0,
                    name: "General",
                    isDefault: true,
                    stages: ["NEW", "PREPARATION", "PREPAYMENT_INVOICE", "EXECUTING", "FINAL_INVOICE", "WON", "LOSE"]
                ),
                Category(
                    id: 3,
                    name: "ERP orders",
                    isDefault: false,
                    stages: ["C3:NEW", "C3:PREPARATION", "C3:WON", "C3:LOSE"]
                ),
            ]
        )
    }

    /// A smart process (SPA) with `xmlId` instead of `originId` and one pipeline (id 7).
    package static func smartProcess(entityTypeId: Int) -> EntityTypeSchema {
        let prefix = "DT\(entityTypeId)_7:"
        var fields = commonFields(statusType: "DYNAMIC_\(entityTypeId)_STAGE_7", deal: false)
        fields += [
            FieldDefinition("xmlId", upper: "XML_ID", type: "string", title: "External code"),
            FieldDefinition(
                "entityTypeId",
                upper: "ENTITY_TYPE_ID",
                type: "integer",
                title: "Entity type",
                readOnly: true
            ),
            FieldDefinition.userField(camelName: "ufCrm5_1721812814433", type: "string", title: "ERP reference"),
            FieldDefinition.userField(camelName: "ufCrm5_1721812900002", type: "string", title: "Contract number"),
        ]
        return EntityTypeSchema(
            entityTypeId: entityTypeId,
            typeTitle: "Service ticket",
            fields: fields,
            categories: [
                Category(
                    id: 7,
                    name: "Service tickets",
                    isDefault: true,
                    stages: ["NEW", "PREPARATION", "CLIENT", "SUCCESS", "FAIL"].map { prefix + $0 }
                )
            ]
        )
    }

    private static func commonFields(statusType: String, deal: Bool) -> [FieldDefinition] {
        [
            FieldDefinition("id", upper: "ID", type: "integer", title: "ID", readOnly: true),
            FieldDefinition("title", upper: "TITLE", type: "string", title: "Name"),
            FieldDefinition("stageId", upper: "STAGE_ID", type: "crm_status", title: "Stage", statusType: statusType),
            FieldDefinition("categoryId", upper: "CATEGORY_ID", type: "crm_category", title: "Pipeline"),
            FieldDefinition("opportunity", upper: "OPPORTUNITY", type: "double", title: "Amount"),
            FieldDefinition("currencyId", upper: "CURRENCY_ID", type: "crm_currency", title: "Currency"),
            FieldDefinition(
                "isManualOpportunity",
                upper: "IS_MANUAL_OPPORTUNITY",
                type: "boolean",
                title: "Manual amount"
            ),
            FieldDefinition("assignedById", upper: "ASSIGNED_BY_ID", type: "user", title: "Responsible person"),
            FieldDefinition("opened", upper: "OPENED", type: "boolean", title: "Available to everyone"),
            FieldDefinition("companyId", upper: "COMPANY_ID", type: "crm_company", title: "Company"),
            FieldDefinition("contactId", upper: "CONTACT_ID", type: "crm_contact", title: "Contact"),
            FieldDefinition("begindate", upper: "BEGINDATE", type: "date", title: "Start date"),
            FieldDefinition("closedate", upper: "CLOSEDATE", type: "date", title: "End date"),
            FieldDefinition(
                "createdTime",
                upper: deal ? "DATE_CREATE" : "CREATED_TIME",
                type: "datetime",
                title: "Created on",
                readOnly: true
            ),
            FieldDefinition(
                "updatedTime",
                upper: deal ? "DATE_MODIFY" : "UPDATED_TIME",
                type: "datetime",
                title: "Updated on",
                readOnly: true
            ),
            FieldDefinition(
                "createdBy",
                upper: deal ? "CREATED_BY_ID" : "CREATED_BY",
                type: "user",
                title: "Created by",
                readOnly: true
            ),
            FieldDefinition(
                "updatedBy",
                upper: deal ? "MODIFY_BY_ID" : "UPDATED_BY",
                type: "user",
                title: "Updated by",
                readOnly: true
            ),
            FieldDefinition(
                "movedTime",
                upper: "MOVED_TIME",
                type: "datetime",
                title: "Stage changed on",
                readOnly: true
            ),
            FieldDefinition(
                "movedBy",
                upper: deal ? "MOVED_BY_ID" : "MOVED_BY",
                type: "user",
                title: "Stage changed by",
                readOnly: true
            ),
        ]
    }
}
