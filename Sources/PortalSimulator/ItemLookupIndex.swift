/// Item ids by the text of their ERP key fields (`originId`, `xmlId`), so that `crm.item.list` answers a look-up
/// by ERP ids without scanning the whole portal, as the real portal answers it from a database index.
///
/// The index only narrows the candidates: the full filter still runs over them, so it never changes an answer.
package struct ItemLookupIndex: Sendable {
    /// The fields the index covers: the ones the fleet looks items up by.
    static let indexedFields: Set<String> = ["originId", "xmlId"]

    private struct Key: Hashable {
        var entityTypeId: Int
        var field: String
        var text: String
    }

    private var ids: [Key: Set<Int>] = [:]

    package init() {}

    /// Moves item `id` from the keys of `old` to those of `new` (either may be nil: added or deleted).
    mutating func replace(entityTypeId: Int, id: Int, old: [String: JSONValue]?, new: [String: JSONValue]?) {
        for field in Self.indexedFields {
            let before = old.map { Self.texts(of: $0[field]) } ?? []
            let after = new.map { Self.texts(of: $0[field]) } ?? []
            guard before != after else { continue }
            for text in before.subtracting(after) {
                let key = Key(entityTypeId: entityTypeId, field: field, text: text)
                ids[key]?.remove(id)
                if ids[key]?.isEmpty == true { ids[key] = nil }
            }
            for text in after.subtracting(before) {
                ids[Key(entityTypeId: entityTypeId, field: field, text: text), default: []].insert(id)
            }
        }
    }

    /// Forgets every item of every type.
    mutating func removeAll() {
        ids.removeAll()
    }

    /// The ids whose `field` holds one of `texts`, or nil when `field` is not indexed.
    func ids(entityTypeId: Int, field: String, texts: Set<String>) -> Set<Int>? {
        guard Self.indexedFields.contains(field) else { return nil }
        var found: Set<Int> = []
        for text in texts {
            found.formUnion(ids[Key(entityTypeId: entityTypeId, field: field, text: text)] ?? [])
        }
        return found
    }

    private static func texts(of value: JSONValue?) -> Set<String> {
        switch value {
        case .array(let elements): Set(elements.compactMap(\.stringValue))
        case let value?: value.stringValue.map { [$0] } ?? []
        case nil: []
        }
    }
}
