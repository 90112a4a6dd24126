/// One field of a CRM entity type as `crm.item.fields` describes it
/// (`api-reference/crm/universal/crm-item-fields.md`).
package struct FieldDefinition: Sendable, Equatable {
    /// The `crm.item.*` camelCase name (`stageId`, `ufCrm5_1721812814433`).
    package var name: String
    /// The UPPER name `crm.item.fields` reports in `upperName` and legacy `crm.deal.*` uses.
    package var upperName: String
    /// The documented type: `integer`, `string`, `double`, `datetime`, `crm_status`, `user`, ...
    package var type: String
    package var title: String
    package var isRequired = false
    package var isReadOnly = false
    package var isImmutable = false
    package var isMultiple = false
    /// True for user fields (`ufCrm...`).
    package var isDynamic = false
    /// For `crm_status` fields: the status dictionary, e.g. `DYNAMIC_1280_STAGE_7`.
    package var statusType: String?

    package init(
        _ name: String,
        upper: String,
        type: String,
        title: String,
        readOnly: Bool = false,
        required: Bool = false,
        immutable: Bool = false,
        multiple: Bool = false,
        statusType: String? = nil
    ) {
        self.name = name
        self.upperName = upper
        self.type = type
        self.title = title
        self.isReadOnly = readOnly
        self.isRequired = required
        self.isImmutable = immutable
        self.isMultiple = multiple
        self.statusType = statusType
        self.isDynamic = name.hasPrefix("ufCrm")
    }

    /// A user field named the way the portal names them: `ufCrm_<id>` on deals, `ufCrm<typeId>_<id>` on SPAs.
    package static func userField(camelName: String, type: String, title: String) -> FieldDefinition {
        FieldDefinition(camelName, upper: upperUserFieldName(camelName), type: type, title: title)
    }

    /// `ufCrm_1721244707107` → `UF_CRM_1721244707107`; `ufCrm5_1721812814433` → `UF_CRM_5_1721812814433`.
    package static func upperUserFieldName(_ camelName: String) -> String {
        let rest = camelName.dropFirst("ufCrm".count)
        return rest.hasPrefix("_") ? "UF_CRM" + rest.uppercased() : "UF_CRM_" + rest.uppercased()
    }

    /// The JSON description `crm.item.fields` returns for this field.
    package var itemDescription: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "type", value: .string(type)),
            JSONMember(key: "isRequired", value: .bool(isRequired)),
            JSONMember(key: "isReadOnly", value: .bool(isReadOnly)),
            JSONMember(key: "isImmutable", value: .bool(isImmutable)),
            JSONMember(key: "isMultiple", value: .bool(isMultiple)),
            JSONMember(key: "isDynamic", value: .bool(isDynamic)),
        ]
        if let statusType { members.append(JSONMember(key: "statusType", value: .string(statusType))) }
        members.append(JSONMember(key: "title", value: .string(title)))
        if isDynamic {
            for label in ["listLabel", "formLabel", "filterLabel"] {
                members.append(JSONMember(key: label, value: .string(title)))
            }
        }
        members.append(JSONMember(key: "upperName", value: .string(upperName)))
        return .object(members)
    }

    /// The JSON description legacy `crm.deal.fields` returns (`api-reference/crm/deals/crm-deal-fields.md`).
    package var legacyDescription: JSONValue {
        var members: [JSONMember] = [
            JSONMember(key: "type", value: .string(legacyType)),
            JSONMember(key: "isRequired", value: .bool(isRequired)),
            JSONMember(key: "isReadOnly", value: .bool(isReadOnly)),
            JSONMember(key: "isImmutable", value: .bool(isImmutable)),
            JSONMember(key: "isMultiple", value: .bool(isMultiple)),
            JSONMember(key: "isDynamic", value: .bool(isDynamic)),
            JSONMember(key: "title", value: .string(isDynamic ? upperName : title)),
        ]
        if let statusType { members.append(JSONMember(key: "statusType", value: .string(statusType))) }
        if isDynamic {
            for label in ["listLabel", "formLabel", "filterLabel"] {
                members.append(JSONMember(key: label, value: .string(title)))
            }
        }
        return .object(members)
    }

    /// Legacy methods describe Y/N flags as `char`.
    private var legacyType: String {
        type == "boolean" ? "char" : type
    }

    /// Converts an incoming parameter to the stored value for this field's type.
    /// - Throws: `CRM_FIELD_ERROR_VALUE_NOT_VALID` when the text cannot be read as the field's type.
    func coerce(_ value: JSONValue, dates: PortalDateFormat) throws(PortalError) -> JSONValue {
        if isMultiple {
            return .array(
                try value.elements.map { element throws(PortalError) in try coerceSingle(element, dates: dates) }
            )
        }
        return try coerceSingle(value, dates: dates)
    }

    private func coerceSingle(_ value: JSONValue, dates: PortalDateFormat) throws(PortalError) -> JSONValue {
        if value.isEmptyValue, value != .bool(false) { return .null }
        switch type {
        case "integer", "user", "crm_category", "crm_company", "crm_contact", "crm_entity":
            guard let number = value.intValue else { throw invalid }
            return .int(number)
        case "double", "money":
            guard let number = value.doubleValue else { throw invalid }
            return .double(number)
        case "boolean":
            if case .string(let text) = value, text == "Y" || text == "N" { return .string(text) }
            return .string(value.isTruthy ? "Y" : "N")
        case "datetime", "date":
            guard let text = value.stringValue, let seconds = dates.unixSeconds(from: text) else { throw invalid }
            return .string(dates.string(fromUnix: seconds))
        default:
            guard let text = value.stringValue else { throw invalid }
            return .string(text)
        }
    }

    private var invalid: PortalError {
        PortalError(.fieldValueNotValid, "The \"\(title)\" field has an invalid value", status: 400)
    }
}
