package import SyncCore

/// The fields each stage of one portal's entity type requires, and the check of a change against them.
///
/// `crm.item.fields` does not say which fields a stage requires, so a change entering such a stage without them
/// would be sent only to fail on the portal (`CRM_FIELD_ERROR_REQUIRED`). These requirements come from the
/// operator (declared) or from such a refusal (learned); the check refuses, before the call, what the portal would
/// certainly refuse.
package struct StageRequirements: Sendable, Equatable {
    /// stage id → required field names (as `crm.item.fields` names them).
    package var fieldsByStage: [String: Set<String>]

    package init(_ fieldsByStage: [String: Set<String>] = [:]) {
        self.fieldsByStage = fieldsByStage
    }

    package var isEmpty: Bool { fieldsByStage.values.allSatisfy(\.isEmpty) }

    /// The required fields a change leaves empty when it enters a stage, or nil when it enters none or leaves
    /// nothing empty.
    ///
    /// - Parameters:
    ///   - fields: the change's fields.
    ///   - writtenStage: the stage the fleet last wrote for the item, nil for an item the fleet never wrote (a new
    ///     item starts empty, so every required field must come with the change).
    ///   - isKnownItem: whether the item map knows the item. For a known item that moves to another stage the
    ///     portal keeps the values the change does not send, so only a required field the change sends empty is
    ///     certain to fail; one it does not send is left to the portal, which knows the item's values.
    package func violation(of fields: JSONObject, writtenStage: String?, isKnownItem: Bool) -> Violation? {
        guard let stage = fields["stageId"]?.stringValue, let required = fieldsByStage[stage], !required.isEmpty
        else { return nil }
        if isKnownItem, writtenStage == stage { return nil }  // not entering: the item is in that stage already
        let missing = required.filter { name in
            guard let value = fields[name] else { return !isKnownItem }
            return value.isEmptyFieldValue
        }
        return missing.isEmpty ? nil : Violation(stage: stage, missing: missing.sorted())
    }

    /// A change entering `stage` without `missing`.
    package struct Violation: Sendable, Equatable {
        package var stage: String
        package var missing: [String]

        package init(stage: String, missing: [String]) {
            self.stage = stage
            self.missing = missing
        }

        /// What the dead letter says, for the person who fixes the data.
        package func message(entity: String) -> String {
            let list = missing.map { "'\($0)'" }.joined(separator: ", ")
            return "the change moves the \(entity) into stage '\(stage)', which requires \(list); the change leaves "
                + (missing.count == 1 ? "it" : "them")
                + " empty. Send the field with the stage change, or review the stage's requirements "
                + "(syncctl portal stage-fields)"
        }
    }

    /// The field a `CRM_FIELD_ERROR_REQUIRED` answer names (`The "Contract number" field is required`), matched by
    /// its title in `crm.item.fields`; nil when the answer names no field of the schema.
    package static func fieldNamed(inRefusal message: String, schema: JSONObject) -> String? {
        guard let open = message.firstIndex(of: "\""),
            let close = message[message.index(after: open)...].firstIndex(of: "\"")
        else { return nil }
        let caption = message[message.index(after: open)..<close]
        for (name, description) in schema {
            let titles = ["title", "formLabel", "listLabel", "upperName"].compactMap { description[$0]?.stringValue }
            if name == caption || titles.contains(where: { $0 == caption }) { return name }
        }
        return nil
    }
}

extension JSONValue {
    /// What Bitrix24 treats as not filled: null, an empty string, an empty list or object.
    fileprivate var isEmptyFieldValue: Bool {
        switch self {
        case .null: true
        case .string(let text): text.allSatisfy(\.isWhitespace)
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }
}
