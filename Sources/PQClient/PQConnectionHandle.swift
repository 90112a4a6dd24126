internal import CLibPQ
internal import Foundation
internal import Glibc

/// Owns one libpq connection (`PGconn`) and its cancel object, and performs the blocking libpq calls on it.
///
/// Every method except ``requestCancel()`` blocks or touches the `PGconn`, so callers run them on the blocking
/// thread pool, one at a time. The handle is `@unchecked Sendable` because the compiler cannot see the rule that
/// makes that safe: ``PQPool`` leases a handle to exactly one ``PQConnection`` at a time, and that lease awaits
/// each call before it starts the next, so no two threads ever use the `PGconn` at once (libpq's requirement).
/// The `PGcancel` object is, by libpq's contract, safe to use from another thread while a query runs.
final class PQConnectionHandle: @unchecked Sendable {
    private let connection: OpaquePointer
    private let cancelObject: OpaquePointer?
    /// The server process serving this connection (for `pg_terminate_backend`, logs).
    let backendPID: Int32

    private init(connection: OpaquePointer) {
        self.connection = connection
        self.cancelObject = PQgetCancel(connection)
        self.backendPID = PQbackendPID(connection)
    }

    deinit {
        if let cancelObject { PQfreeCancel(cancelObject) }
        PQfinish(connection)
    }

    /// Opens a connection with `PQconnectdbParams`. Blocks for up to the configured connect timeout.
    ///
    /// - Throws: ``PQError`` `.connectionFailed` with libpq's message (which never contains the password).
    static func connect(configuration: PQConfiguration) throws(PQError) -> PQConnectionHandle {
        var pairs = configuration.connectionParameters
        if !pairs.contains(where: { $0.keyword == "client_encoding" }) {
            pairs.append(("client_encoding", "UTF8"))
        }
        // Fix the text formats the decoders parse; options given in the URL come later and win.
        let sessionOptions = "-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex"
        if let index = pairs.firstIndex(where: { $0.keyword == "options" }) {
            pairs[index].value = sessionOptions + " " + pairs[index].value
        } else {
            pairs.append(("options", sessionOptions))
        }
        let keywords = pairs.map { strdup($0.keyword) }
        let values = pairs.map { strdup($0.value) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { $0.map { UnsafePointer($0) } } + [nil]
        let valuePointers = values.map { $0.map { UnsafePointer($0) } } + [nil]
        let connection = keywordPointers.withUnsafeBufferPointer { keywordBuffer in
            valuePointers.withUnsafeBufferPointer { valueBuffer in
                PQconnectdbParams(keywordBuffer.baseAddress, valueBuffer.baseAddress, 0)
            }
        }
        guard let connection else {
            throw PQError(code: .connectionFailed, message: "libpq could not allocate a connection (out of memory)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.trimmed(PQerrorMessage(connection)) ?? "unknown libpq error"
            PQfinish(connection)
            throw PQError(
                code: .connectionFailed,
                message: "could not connect to \(configuration.host):\(configuration.port): \(message)"
            )
        }
        // Notices (e.g. "relation already exists, skipping") would otherwise go to stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        return PQConnectionHandle(connection: connection)
    }

    /// Runs one statement with its parameters (`PQexecParams`, text format). Blocks.
    func execute(_ query: PQQuery) throws(PQError) -> PQRows {
        guard !query.sql.utf8.contains(0), !query.parameters.contains(where: { $0?.utf8.contains(0) ?? false })
        else {
            throw PQError(
                code: .invalidParameter,
                message: "the SQL text or a parameter contains a NUL character, which PostgreSQL text cannot hold",
                query: query.sql
            )
        }
        let parameters = query.parameters.map { $0.flatMap { strdup($0) } }
        defer { parameters.forEach { free($0) } }
        let parameterPointers = parameters.map { $0.map { UnsafePointer($0) } }
        let result = parameterPointers.withUnsafeBufferPointer { buffer in
            PQexecParams(connection, query.sql, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        return try rows(from: result, sql: query.sql)
    }

    /// Runs trusted SQL text that may hold several statements (`PQexec`, no parameters). Blocks.
    func executeScript(_ sql: String) throws(PQError) -> PQRows {
        guard !sql.utf8.contains(0) else {
            throw PQError(code: .invalidParameter, message: "the SQL script contains a NUL character")
        }
        return try rows(from: PQexec(connection, sql), sql: sql)
    }

    /// Asks the server to cancel the statement in progress. Safe from any thread; opens a short connection.
    func requestCancel() {
        guard let cancelObject else { return }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelObject, &errorBuffer, Int32(errorBuffer.count))
    }

    /// Whether the connection is open and outside any transaction, so another lease may use it. Never blocks.
    var isIdle: Bool {
        PQstatus(connection) == CONNECTION_OK && PQtransactionStatus(connection) == PQTRANS_IDLE
    }

    /// Reads whatever the server sent while the connection sat idle, so a connection the server closed
    /// (restart, `pg_terminate_backend`) is seen as broken before it is leased. A connection the server sent
    /// nothing costs one zero-timeout `poll`; one it did send something waits at most a few milliseconds for the
    /// rest (libpq keeps its socket non-blocking).
    func pollIsAlive() -> Bool {
        guard socketIsReadable(waitingMilliseconds: 0) else { return isIdle }
        // A terminated backend sends its FATAL message and then closes; the first read may return just the
        // message, before the EOF that marks the connection bad has arrived, so read on while more comes.
        for _ in 0..<4 {
            guard PQconsumeInput(connection) == 1, isIdle else { return false }
            guard socketIsReadable(waitingMilliseconds: 10) else { return true }
        }
        return isIdle
    }

    /// Whether the socket has data or EOF waiting, within `waitingMilliseconds`.
    private func socketIsReadable(waitingMilliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, waitingMilliseconds) > 0
    }

    private func rows(from result: OpaquePointer?, sql: String) throws(PQError) -> PQRows {
        guard let result else {
            let message = Self.trimmed(PQerrorMessage(connection)) ?? "no result from libpq"
            throw PQError(code: connectionBroken ? .connectionLost : .queryFailed, message: message, query: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Self.copyRows(result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            throw PQError(code: .queryFailed, message: "COPY is not supported by PQClient", query: sql)
        default:
            throw serverError(result, sql: sql)
        }
    }

    private var connectionBroken: Bool {
        PQstatus(connection) != CONNECTION_OK
    }

    private func serverError(_ result: OpaquePointer, sql: String) -> PQError {
        func field(_ code: Unicode.Scalar) -> String? {
            Self.trimmed(PQresultErrorField(result, Int32(UInt8(ascii: code))))
        }
        let sqlState = field("C")
        let message = field("M") ?? Self.trimmed(PQresultErrorMessage(result)) ?? "the statement failed"
        let code = connectionBroken ? .connectionLost : PQError.code(forSQLState: sqlState)
        return PQError(
            code: code,
            message: message,
            sqlState: sqlState,
            detail: field("D"),
            constraint: field("n"),
            table: field("t"),
            query: sql
        )
    }

    private static func copyRows(_ result: OpaquePointer) -> PQRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [String?] = []
        values.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? rowCount
        return PQRows(columns: columns, values: values, affectedRows: affected)
    }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String? {
        guard let text else { return nil }
        let string = String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
        return string.isEmpty ? nil : string
    }
}
