/// A JSON object that keeps its members in document order.
///
/// Order matters for re-publishing a message as it came and for readable logs; it does not matter for equality
/// (two objects with the same members are equal whatever their order) nor for ``JSONValue/canonicalString``.
/// A key that appears twice keeps its first position and its last value, as most JSON parsers do.
package struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    package private(set) var keys: [String] = []
    private var storage: [String: JSONValue] = [:]

    package init() {}

    package init(_ members: some Sequence<(String, JSONValue)>) {
        for (key, value) in members { self[key] = value }
    }

    /// An object from a dictionary literal, members in the literal's order.
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// An object from an unordered dictionary; members are sorted by key so the order is deterministic.
    package init(_ dictionary: [String: JSONValue]) {
        self.init(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    package var count: Int { keys.count }
    package var isEmpty: Bool { keys.isEmpty }

    package subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// The members in document order.
    package var members: [(key: String, value: JSONValue)] {
        keys.map { ($0, storage[$0]!) }
    }

    package func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storage == rhs.storage
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}
