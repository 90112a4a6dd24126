package import Logging

/// One leased PostgreSQL connection: run statements on it, one at a time, inside the closure that leased it.
///
/// Obtain it from ``PQPool/withConnection(_:)``. It is deliberately not `Sendable`: a connection serves one task
/// at a time, and the lease ends when the closure returns (later use throws `.connectionReleased`).
/// Every libpq call runs on the blocking thread pool; cancelling the task sends a cancel request (`PQcancel`)
/// to the server for the statement in progress.
package final class PQConnection {
    let handle: PQConnectionHandle
    package let logger: Logger
    private var isLeased = true
    /// Set when the connection holds state (a session lock, an open transaction) that could not be cleaned up,
    /// so the pool must close it instead of handing it out again.
    private(set) var mustDiscard = false

    init(handle: PQConnectionHandle, logger: Logger) {
        self.handle = handle
        self.logger = logger
    }

    /// The server process serving this connection, as `pg_backend_pid()` reports it.
    package var backendPID: Int32 { handle.backendPID }

    /// Runs one parameterized statement and returns its rows.
    ///
    /// - Throws: ``PQError`` (`.connectionLost` when the connection broke: retry on a new lease), or
    ///   `CancellationError` when the task was cancelled.
    nonisolated(nonsending) package func query(_ query: PQQuery) async throws -> PQRows {
        try await run { handle throws(PQError) in try handle.execute(query) }
    }

    /// Runs one parameterized statement and returns how many rows it touched.
    @discardableResult
    nonisolated(nonsending) package func execute(_ query: PQQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Runs trusted SQL text that may contain several statements, without parameters (migrations only).
    ///
    /// - Important: never build `sql` from data; use ``query(_:)`` with interpolated values instead.
    nonisolated(nonsending) package func executeScript(_ sql: String) async throws {
        _ = try await run { handle throws(PQError) in try handle.executeScript(sql) }
    }

    /// Ends the lease: later calls throw `.connectionReleased`.
    func endLease() {
        isLeased = false
    }

    /// Marks the connection as holding state that could not be cleaned up; the pool will close it.
    func discardAfterLease() {
        mustDiscard = true
    }

    /// Runs a statement for clean-up (ROLLBACK, unlock) even while the task is being cancelled.
    nonisolated(nonsending) func executeIgnoringCancellation(_ query: PQQuery) async throws -> PQRows {
        try ensureLeased()
        let handle = self.handle
        return try await BlockingWork.runIgnoringCancellation { try handle.execute(query) }
    }

    private func ensureLeased() throws(PQError) {
        guard isLeased else {
            throw PQError(code: .connectionReleased, message: "the connection was used after its lease ended")
        }
    }

    nonisolated(nonsending) private func run<T: Sendable>(
        _ operation: @escaping @Sendable (PQConnectionHandle) throws(PQError) -> T
    ) async throws -> T {
        try ensureLeased()
        try Task.checkCancellation()
        let handle = self.handle
        do {
            return try await withTaskCancellationHandler {
                try await BlockingWork.run { try operation(handle) }
            } onCancel: {
                // PQcancel opens a connection to the server, so it must not block the caller's thread either.
                BlockingWork.submit { handle.requestCancel() }
            }
        } catch let error as PQError {
            if error.code == .queryCancelled, Task.isCancelled { throw CancellationError() }
            throw error
        }
    }
}
