/// SQL text plus its parameter values, kept apart so that no value is ever spliced into SQL.
///
/// Write queries as string literals: every interpolated value becomes a `$n` placeholder and a bound parameter.
/// ```swift
/// try await connection.query("SELECT id FROM items WHERE portal = \(portal) AND deal = \(dealID)")
/// ```
/// Only code-controlled identifiers may go into the text itself: `\(identifier: tableName)` quotes one,
/// `\(unescaped: "ISOLATION LEVEL SERIALIZABLE")` pastes trusted SQL verbatim.
package struct PQQuery: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The SQL text, with `$1`, `$2`, ... where the parameters go.
    package var sql: String
    /// The parameters in PostgreSQL's text format, `nil` for NULL.
    package var parameters: [String?]

    /// A query from SQL text with explicit `$n` placeholders and their values, in order.
    package init(_ sql: String, _ parameters: [any PQEncodable] = []) {
        self.sql = sql
        self.parameters = parameters.map(\.pqText)
    }

    package init(stringLiteral value: String) {
        self.init(value)
    }

    package init(stringInterpolation: StringInterpolation) {
        self.sql = stringInterpolation.sql
        self.parameters = stringInterpolation.parameters
    }

    /// The SQL text only: parameter values may be secret or personal, so they are never printed.
    package var description: String { sql }

    /// Builds the SQL text and parameter list of an interpolated literal.
    package struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var sql = ""
        fileprivate var parameters: [String?] = []

        package init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            parameters.reserveCapacity(interpolationCount)
        }

        package mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        /// Binds `value` as the next `$n` parameter.
        package mutating func appendInterpolation(_ value: some PQEncodable) {
            parameters.append(value.pqText)
            sql += "$\(parameters.count)"
        }

        /// Binds `value` as the next `$n` parameter, or NULL when it is `nil`.
        package mutating func appendInterpolation(_ value: (some PQEncodable)?) {
            parameters.append(value?.pqText)
            sql += "$\(parameters.count)"
        }

        /// Quotes a code-controlled identifier (table, schema, column name) with double quotes.
        package mutating func appendInterpolation(identifier: String) {
            sql += "\"" + identifier.replacingQuoteCharacters() + "\""
        }

        /// Pastes trusted, code-controlled SQL verbatim. Never pass user or message data here.
        package mutating func appendInterpolation(unescaped: String) {
            sql += unescaped
        }
    }
}

extension String {
    /// Doubles every `"` so the string can sit inside a quoted identifier.
    fileprivate func replacingQuoteCharacters() -> String {
        var result = ""
        for character in self {
            result.append(character)
            if character == "\"" { result.append("\"") }
        }
        return result
    }
}
