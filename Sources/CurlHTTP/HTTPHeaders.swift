/// An ordered list of HTTP header fields with case-insensitive lookup by name.
///
/// Order and repeated names are kept because some headers (such as `Set-Cookie`) legitimately repeat.
package struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// The fields in the order they were received or added.
    package private(set) var fields: [(name: String, value: String)]

    package init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    package init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The first value for `name`, compared case-insensitively, or nil.
    package subscript(_ name: String) -> String? {
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value for `name`, compared case-insensitively, in order.
    package func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// Whether a field named `name` (case-insensitive) is present.
    package func contains(_ name: String) -> Bool {
        self[name] != nil
    }

    package mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    package var count: Int { fields.count }

    package func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}
