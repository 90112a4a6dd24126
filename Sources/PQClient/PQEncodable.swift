/// A Swift value that can be sent as a query parameter in PostgreSQL's text format.
///
/// Values travel separately from the SQL text (`PQexecParams`), so no value is ever spliced into SQL.
/// The server infers each parameter's type from where it is used (`$1` compared with a `uuid` column is a uuid).
package protocol PQEncodable: Sendable {
    /// The parameter in PostgreSQL's text input format, or `nil` for SQL NULL.
    var pqText: String? { get }
}

extension Optional: PQEncodable where Wrapped: PQEncodable {
    package var pqText: String? { self?.pqText }
}
