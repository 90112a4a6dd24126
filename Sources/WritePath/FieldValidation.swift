package import SyncCore

/// Checks an ERP change's `fields` against the portal's `crm.item.fields`: every field must exist, be writable and
/// carry a value of its type. Bitrix24 silently ignores unknown fields and keeps read-only ones, so without this a
/// wrong mapping would be "synced" and lost.
package enum FieldValidation {
    /// Fields the fleet itself sets on every write; the ERP may not send them.
    package static let fleetOwnedFields: Set<String> = ["originatorId", "originId", "xmlId", "id"]

    /// Every problem of `fields`, as sentences a person understands; empty when they can be written.
    package static func problems(of fields: JSONObject, against schema: JSONObject, entity: String) -> [String] {
        var problems: [String] = []
        for (name, value) in fields {
            if fleetOwnedFields.contains(name) {
                problems.append(
                    "field '\(name)' is set by the fleet from the message's originId; remove it from fields"
                )
                continue
            }
            guard let description = schema[name] else {
                problems.append("field '\(name)' does not exist on the portal's \(entity) (crm.item.fields)")
                continue
            }
            if description["isReadOnly"]?.boolValue == true {
                problems.append("field '\(name)' is read-only on the portal")
                continue
            }
            let type = description["type"]?.stringValue ?? "string"
            let multiple = description["isMultiple"]?.boolValue == true
            if value == .null { continue }
            if multiple {
                guard let elements = value.arrayValue else {
                    problems.append("field '\(name)' holds several values: send an array, not \(value.typeName)")
                    continue
                }
                for element in elements where !accepts(type: type, element) {
                    problems.append("field '\(name)' (\(type)) cannot hold \(element.compactString)")
                }
            } else if !accepts(type: type, value) {
                problems.append("field '\(name)' (\(type)) cannot hold \(value.compactString)")
            }
        }
        return problems
    }

    /// Whether `value` fits a Bitrix24 field type (numbers may come as numeric strings, as the portal accepts).
    static func accepts(type: String, _ value: JSONValue) -> Bool {
        switch type {
        case "integer", "user", "crm_company", "crm_contact", "crm_category", "employee":
            return value.integerValue != nil || value.stringValue.flatMap { Int64($0) } != nil
        case "double", "money":
            return value.doubleValue != nil || value.stringValue.flatMap { Double($0) } != nil
                || (type == "money" && value.stringValue != nil)
        case "boolean", "char":
            if value.boolValue != nil { return true }
            return ["Y", "N", "0", "1"].contains(value.stringValue ?? "")
                || value.integerValue.map { $0 == 0 || $0 == 1 } == true
        case "date", "datetime":
            return value.stringValue.map { !$0.isEmpty } ?? false
        case "enumeration", "iblock_element", "iblock_section", "crm_entity":
            return value.integerValue != nil || value.stringValue != nil
        case "file":
            return value.arrayValue != nil || value.objectValue != nil
        default:
            return value.stringValue != nil || value.integerValue != nil || value.doubleValue != nil
        }
    }
}
