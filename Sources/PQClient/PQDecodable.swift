/// A Swift value that can be read from a result column in PostgreSQL's text output format.
///
/// Conform a type by parsing the server's text; ``PQRow/decode(_:column:)`` turns a failed parse into a
/// ``PQError`` naming the column and the type.
package protocol PQDecodable {
    /// Parses the server's text output; `nil` when the text is not a valid value of this type.
    init?(pqText: String)

    /// The value that SQL NULL decodes to, or `nil` when this type cannot represent NULL.
    static var pqNull: Self? { get }
}

extension PQDecodable {
    package static var pqNull: Self? { nil }
}

extension Optional: PQDecodable where Wrapped: PQDecodable {
    package init?(pqText: String) {
        guard let value = Wrapped(pqText: pqText) else { return nil }
        self = .some(value)
    }

    package static var pqNull: Self? { .some(.none) }
}
