/// A failure of a PostgreSQL operation: what went wrong, what the server said, and what the caller should do.
///
/// Callers branch on ``code`` (an opaque, extensible value, so new codes do not break `switch`es) and on
/// ``isRetryable``. The server's SQLSTATE, message and constraint name are kept for logs and for precise handling
/// (a `.uniqueViolation` on a ledger key means "already processed"). No message ever contains a password.
package struct PQError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; compare with the static members, e.g. `error.code == .uniqueViolation`.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidURL
            case connectionFailed
            case connectionLost
            case poolClosed
            case connectionReleased
            case uniqueViolation
            case foreignKeyViolation
            case notNullViolation
            case checkViolation
            case serializationFailure
            case deadlockDetected
            case lockNotAvailable
            case syntaxError
            case undefinedTable
            case queryCancelled
            case queryFailed
            case invalidParameter
            case decodingFailed
            case migrationFailed
            case checksumMismatch
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The database URL could not be parsed; fix `DATABASE_URL`.
        package static let invalidURL = Code(.invalidURL)
        /// A connection could not be opened (server down, wrong credentials, timeout).
        package static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while in use (server restart, `pg_terminate_backend`); retry on a fresh lease.
        package static let connectionLost = Code(.connectionLost)
        /// The pool was closed; nothing more can be leased.
        package static let poolClosed = Code(.poolClosed)
        /// A ``PQConnection`` was used after its lease ended.
        package static let connectionReleased = Code(.connectionReleased)
        /// SQLSTATE 23505.
        package static let uniqueViolation = Code(.uniqueViolation)
        /// SQLSTATE 23503.
        package static let foreignKeyViolation = Code(.foreignKeyViolation)
        /// SQLSTATE 23502.
        package static let notNullViolation = Code(.notNullViolation)
        /// SQLSTATE 23514.
        package static let checkViolation = Code(.checkViolation)
        /// SQLSTATE 40001: the transaction must be retried from its start.
        package static let serializationFailure = Code(.serializationFailure)
        /// SQLSTATE 40P01: the transaction must be retried from its start.
        package static let deadlockDetected = Code(.deadlockDetected)
        /// SQLSTATE 55P03 (`NOWAIT`, `lock_timeout`).
        package static let lockNotAvailable = Code(.lockNotAvailable)
        /// SQLSTATE 42601: a bug in the SQL text.
        package static let syntaxError = Code(.syntaxError)
        /// SQLSTATE 42P01: usually a migration that has not run.
        package static let undefinedTable = Code(.undefinedTable)
        /// SQLSTATE 57014: cancelled by `statement_timeout` or a cancel request.
        package static let queryCancelled = Code(.queryCancelled)
        /// Any other server-side failure; see ``PQError/sqlState``.
        package static let queryFailed = Code(.queryFailed)
        /// A parameter cannot be sent (e.g. a string containing a NUL character).
        package static let invalidParameter = Code(.invalidParameter)
        /// A column value could not be decoded as the requested Swift type.
        package static let decodingFailed = Code(.decodingFailed)
        /// A migration file failed to apply.
        package static let migrationFailed = Code(.migrationFailed)
        /// An applied migration file was edited afterwards.
        package static let checksumMismatch = Code(.checksumMismatch)

        package var description: String { base.rawValue }
    }

    /// What went wrong, in categories a caller can act on.
    package var code: Code
    /// A human-readable account of the failure (the server's or libpq's message, never a password).
    package var message: String
    /// The five-character SQLSTATE reported by the server, when there is one.
    package var sqlState: String?
    /// The server's DETAIL line, when there is one.
    package var detail: String?
    /// The violated constraint's name, for integrity violations.
    package var constraint: String?
    /// The table the error refers to, when the server names one.
    package var table: String?
    /// The result column that failed to decode, for `.decodingFailed`.
    package var column: String?
    /// The Swift type that a column failed to decode as, for `.decodingFailed`.
    package var typeName: String?
    /// The SQL text (never its parameter values) that failed.
    package var query: String?

    package init(
        code: Code,
        message: String,
        sqlState: String? = nil,
        detail: String? = nil,
        constraint: String? = nil,
        table: String? = nil,
        column: String? = nil,
        typeName: String? = nil,
        query: String? = nil
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
        self.table = table
        self.column = column
        self.typeName = typeName
        self.query = query
    }

    /// Whether repeating the whole unit of work (on a fresh lease, in a new transaction) may succeed.
    package var isRetryable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .serializationFailure, .deadlockDetected, .lockNotAvailable:
            return true
        default:
            return false
        }
    }

    /// The code that a server SQLSTATE maps to.
    package static func code(forSQLState sqlState: String?) -> Code {
        guard let sqlState else { return .queryFailed }
        switch sqlState {
        case "23505": return .uniqueViolation
        case "23503": return .foreignKeyViolation
        case "23502": return .notNullViolation
        case "23514": return .checkViolation
        case "40001": return .serializationFailure
        case "40P01": return .deadlockDetected
        case "55P03": return .lockNotAvailable
        case "42601": return .syntaxError
        case "42P01": return .undefinedTable
        case "57014": return .queryCancelled
        case "57P01", "57P02", "57P03": return .connectionLost
        default: return sqlState.hasPrefix("08") ? .connectionLost : .queryFailed
        }
    }

    /// What the caller or operator should do about this failure.
    package var remedy: String {
        switch code {
        case .invalidURL:
            return "use postgres://user:password@host:port/database?sslmode=... (percent-encode special characters)"
        case .connectionFailed:
            return "check that PostgreSQL is running and that host, port, user, password and database are right"
        case .connectionLost:
            return "the connection was dropped; retry the unit of work, the pool reconnects on the next lease"
        case .poolClosed:
            return "the pool was shut down; create a new pool"
        case .connectionReleased:
            return "use a connection only inside the closure that leased it"
        case .uniqueViolation:
            return "the row already exists; treat it as a duplicate or update it instead"
        case .foreignKeyViolation:
            return "insert the referenced row first, or delete dependent rows first"
        case .notNullViolation, .checkViolation:
            return "fix the value that breaks the constraint"
        case .serializationFailure, .deadlockDetected:
            return "retry the whole transaction from its start"
        case .lockNotAvailable:
            return "the lock is held elsewhere; retry later"
        case .syntaxError:
            return "fix the SQL text"
        case .undefinedTable:
            return "run the migrations (syncctl migrate) or fix the table name"
        case .queryCancelled:
            return "the statement was cancelled (statement_timeout or a cancel request); retry if still wanted"
        case .invalidParameter:
            return "remove NUL characters from text parameters"
        case .decodingFailed:
            return "decode the column as a Swift type matching its SQL type, or as an Optional if it may be NULL"
        case .migrationFailed:
            return "fix the migration file; nothing of it was applied"
        case .checksumMismatch:
            return "never edit an applied migration; restore it and add a new file instead"
        default:
            return "see the SQLSTATE and server message"
        }
    }

    package var description: String {
        var parts = ["PQError.\(code): \(message)"]
        if let sqlState { parts.append("SQLSTATE \(sqlState)") }
        if let detail { parts.append("detail: \(detail)") }
        if let constraint { parts.append("constraint: \(constraint)") }
        if let table { parts.append("table: \(table)") }
        if let column { parts.append("column: \(column)") }
        if let typeName { parts.append("type: \(typeName)") }
        parts.append("what to do: \(remedy)")
        return parts.joined(separator: "; ")
    }
}
