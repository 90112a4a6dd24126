/// One result row, decoded column by column into Swift types.
package struct PQRow: Sendable {
    /// Column names, in result order.
    package let columns: [String]
    private let values: ArraySlice<String?>

    init(columns: [String], values: ArraySlice<String?>) {
        self.columns = columns
        self.values = values
    }

    /// The raw text of a column, `nil` for NULL.
    package func text(at index: Int) -> String? {
        values[values.startIndex + index]
    }

    /// Decodes the column named `column`.
    ///
    /// - Throws: ``PQError`` `.decodingFailed` naming the column and type, when the column does not exist,
    ///   is NULL and `T` is not optional, or holds text that `T` cannot parse.
    package func decode<T: PQDecodable>(_ type: T.Type, column: String) throws(PQError) -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw Self.failure(
                "the result has no column named \(column) (columns: \(columns.joined(separator: ", ")))",
                column: column,
                type: type
            )
        }
        return try decode(type, at: index)
    }

    /// Decodes the column at zero-based `index`.
    ///
    /// - Throws: ``PQError`` `.decodingFailed`, as ``decode(_:column:)``.
    package func decode<T: PQDecodable>(_ type: T.Type, at index: Int) throws(PQError) -> T {
        guard columns.indices.contains(index) else {
            throw Self.failure("the result has no column at index \(index)", column: "#\(index)", type: type)
        }
        let column = columns[index]
        guard let text = text(at: index) else {
            guard let null = T.pqNull else {
                throw Self.failure("column \(column) is NULL; decode it as an Optional", column: column, type: type)
            }
            return null
        }
        guard let value = T(pqText: text) else {
            let preview = text.count > 40 ? String(text.prefix(40)) + "..." : text
            throw Self.failure(
                "column \(column) holds \"\(preview)\", which is not a valid \(T.self)",
                column: column,
                type: type
            )
        }
        return value
    }

    private static func failure(_ message: String, column: String, type: Any.Type) -> PQError {
        PQError(code: .decodingFailed, message: message, column: column, typeName: String(describing: type))
    }
}
