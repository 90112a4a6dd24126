package import Bitrix24
package import SyncCore

/// The legacy `crm.deal.*` bridge (bitrix24-rest.md §10), for portals flagged `crm_legacy_bridge` whose
/// `crm.item.*` is missing: field names between the two APIs, the batch commands a processor sends, and parsers that
/// turn legacy answers into the shapes the `crm.item.*` code already reads.
///
/// Legacy names are UPPER_SNAKE (`STAGE_ID`, `UF_CRM_1721244707107`), values mostly strings (`"ID": "410"`), write
/// results scalars (`crm.deal.add` → the new id, `crm.deal.update`/`delete` → `true`), list results the rows
/// themselves (no `items` wrapper), and errors often an empty `error` with the text in `error_description`.
package enum LegacyDealDialect {
    /// camelCase names whose legacy name is not the plain UPPER_SNAKE spelling.
    private static let irregularNames: [String: String] = [
        "createdBy": "CREATED_BY_ID", "updatedBy": "MODIFY_BY_ID", "movedBy": "MOVED_BY_ID",
        "createdTime": "DATE_CREATE", "updatedTime": "DATE_MODIFY", "observers": "OBSERVER_IDS",
        "contactIds": "CONTACT_IDS",
    ]
    private static let irregularItemNames = Dictionary(uniqueKeysWithValues: irregularNames.map { ($1, $0) })
    private static let itemUserFieldPrefix = "ufCrm"
    private static let legacyUserFieldPrefix = "UF_CRM_"

    // MARK: field names

    /// The legacy name of a `crm.item.*` field: `stageId` → `STAGE_ID`, `assignedById` → `ASSIGNED_BY_ID`,
    /// `parentId1220` → `PARENT_ID_1220`, `ufCrm_1721244707107` → `UF_CRM_1721244707107`.
    package static func legacyName(of itemName: String) -> String {
        if let irregular = irregularNames[itemName] { return irregular }
        if itemName.hasPrefix(itemUserFieldPrefix) {
            let rest = itemName.dropFirst(itemUserFieldPrefix.count)
            return rest.hasPrefix("_") ? "UF_CRM" + rest.uppercased() : legacyUserFieldPrefix + rest.uppercased()
        }
        var legacy = ""
        var previous: Character?
        for character in itemName {
            if let previous,
                (character.isUppercase && !previous.isUppercase) || (character.isNumber && previous.isLetter)
            {
                legacy.append("_")
            }
            legacy += character.uppercased()
            previous = character
        }
        return legacy
    }

    /// The `crm.item.*` name of a legacy field: `STAGE_ID` → `stageId`, `DATE_MODIFY` → `updatedTime`,
    /// `UF_CRM_1721244707107` → `ufCrm_1721244707107`.
    package static func itemName(of legacyName: String) -> String {
        if let irregular = irregularItemNames[legacyName] { return irregular }
        if legacyName.hasPrefix(legacyUserFieldPrefix) {
            return itemUserFieldPrefix + "_" + legacyName.dropFirst(legacyUserFieldPrefix.count)
        }
        let words = legacyName.split(separator: "_")
        guard let first = words.first else { return legacyName }
        return first.lowercased()
            + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined()
    }

    /// `crm.item.*` fields renamed for `crm.deal.*`, values unchanged (the legacy methods accept the same values).
    package static func legacyFields(_ fields: JSONObject) -> JSONObject {
        JSONObject(fields.map { (legacyName(of: $0.key), $0.value) })
    }

    /// A legacy deal row as a `crm.item.*` item: camelCase keys, `id` as an integer.
    package static func item(fromLegacy row: JSONObject) -> JSONObject {
        var item = JSONObject(row.map { (itemName(of: $0.key), $0.value) })
        if let id = row["ID"].flatMap(identifier) { item["id"] = .int(id) }
        return item
    }

    // MARK: commands

    /// Finds deals by their ERP ids: `crm.deal.list` with `filter[@ORIGIN_ID]` (IN), `select[]=ID,ORIGIN_ID`,
    /// lowest id first, without counting (`start=-1`). Read it with ``parseLookUp(_:erpIdField:)``.
    package static func lookUpCommand(name: String, originIds: [String], erpIdField: String = "originId")
        -> Bitrix24BatchCommand
    {
        let field = legacyName(of: erpIdField)
        return Bitrix24BatchCommand(
            name: name,
            method: "crm.deal.list",
            params: [
                "filter": .object(JSONObject([("@" + field, .array(originIds.map { .string($0) }))])),
                "select": ["ID", .string(field)],
                "order": ["ID": "ASC"],
                "start": -1,
            ]
        )
    }

    /// Creates a deal: `crm.deal.add` with the ERP's `crm.item.*` fields renamed, plus the ERP id and originator.
    package static func addCommand(
        name: String,
        fields: JSONObject,
        originId: String,
        originatorId: String?,
        erpIdField: String = "originId"
    ) -> Bitrix24BatchCommand {
        var legacy = legacyFields(fields)
        if let originatorId { legacy[legacyName(of: "originatorId")] = .string(originatorId) }
        legacy[legacyName(of: erpIdField)] = .string(originId)
        return Bitrix24BatchCommand(name: name, method: "crm.deal.add", params: ["fields": .object(legacy)])
    }

    /// Changes a deal: `crm.deal.update` with `id` and the renamed fields (it cannot move a deal to another
    /// pipeline; the portal ignores `CATEGORY_ID` here).
    package static func updateCommand(name: String, id: Int64, fields: JSONObject) -> Bitrix24BatchCommand {
        Bitrix24BatchCommand(
            name: name,
            method: "crm.deal.update",
            params: ["id": .int(id), "fields": .object(legacyFields(fields))]
        )
    }

    /// Deletes a deal: `crm.deal.delete` with `id`.
    package static func deleteCommand(name: String, id: Int64) -> Bitrix24BatchCommand {
        Bitrix24BatchCommand(name: name, method: "crm.deal.delete", params: ["id": .int(id)])
    }

    // MARK: answers

    /// ERP id → deal id from a ``lookUpCommand(name:originIds:erpIdField:)`` answer (`result` is the row array);
    /// the lowest id wins when the portal holds duplicates, as on the `crm.item.*` path.
    package static func parseLookUp(_ answer: Bitrix24Response, erpIdField: String = "originId") -> [String: Int64] {
        let field = legacyName(of: erpIdField)
        var ids: [String: Int64] = [:]
        for row in answer.result.arrayValue ?? [] {
            guard let id = row["ID"].flatMap(identifier), let originId = row[field]?.stringValue else { continue }
            if ids[originId].map({ id < $0 }) ?? true { ids[originId] = id }
        }
        return ids
    }

    /// The new deal's id from a `crm.deal.add` answer (`result` is the id, a number or a numeric string).
    package static func parseAdd(_ answer: Bitrix24Response) -> Int64? {
        identifier(answer.result)
    }

    /// Whether a `crm.deal.update` or `crm.deal.delete` answer says it was done (`result: true`).
    package static func parseDone(_ answer: Bitrix24Response) -> Bool {
        answer.result.boolValue == true || answer.result.stringValue == "1"
    }

    /// A legacy write answer in the `crm.item.add`/`update` shape (`{"item": {"id": …}}`), so code that reads
    /// `result["item"]["id"]` settles legacy writes unchanged; nil when the answer says the write did not happen.
    ///
    /// - Parameter itemID: the deal's id for an update (its answer carries none); nil for an add.
    package static func itemAnswer(_ answer: Bitrix24Response, itemID: Int64?) -> Bitrix24Response? {
        let id: Int64?
        if let itemID {
            id = parseDone(answer) ? itemID : nil
        } else {
            id = parseAdd(answer)
        }
        guard let id else { return nil }
        var normalised = answer
        normalised.result = ["item": ["id": .int(id)]]
        return normalised
    }

    /// Whether a legacy error means the deal does not exist: legacy methods answer an empty `error` code with
    /// "Not found" in the description, which ``Bitrix24Error`` cannot classify as `NOT_FOUND` by itself.
    package static func isNotFound(_ error: Bitrix24Error) -> Bool {
        error.code == .notFound
            || ((error.portalCode ?? "").isEmpty && error.message.lowercased().contains("not found"))
    }

    /// A legacy id: `410` or `"410"`.
    private static func identifier(_ value: JSONValue) -> Int64? {
        value.integerValue ?? value.stringValue.flatMap { Int64($0) }
    }
}
