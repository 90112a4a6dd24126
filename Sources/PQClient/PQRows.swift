/// The rows a statement returned, copied out of the libpq result so they outlive it.
///
/// Values stay in PostgreSQL's text format until a caller decodes them with ``PQRow/decode(_:column:)``.
package struct PQRows: Sendable, RandomAccessCollection {
    /// Column names, in result order.
    package let columns: [String]
    /// Rows touched by INSERT/UPDATE/DELETE (from `PQcmdTuples`), or the number of rows returned by SELECT.
    package let affectedRows: Int
    private let values: [String?]

    /// - Parameter values: every cell in row-major order; `nil` is SQL NULL.
    package init(columns: [String], values: [String?], affectedRows: Int) {
        precondition(columns.isEmpty ? values.isEmpty : values.count % columns.count == 0)
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
    }

    package var startIndex: Int { 0 }
    package var endIndex: Int { columns.isEmpty ? 0 : values.count / columns.count }

    package subscript(position: Int) -> PQRow {
        let start = position * columns.count
        return PQRow(columns: columns, values: values[start..<(start + columns.count)])
    }
}
