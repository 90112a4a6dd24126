internal import Logging

extension PQConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws or the task is cancelled.
    ///
    /// The closure receives this same connection. Transactions do not nest.
    /// - Parameter isolationLevel: `.readCommitted` by default; use `.serializable` or `.repeatableRead` where
    ///   the logic needs a stable snapshot, and retry on `.serializationFailure`.
    /// - Throws: what `body` throws (after the rollback), or the ``PQError`` of `BEGIN`/`COMMIT`.
    nonisolated(nonsending) package func withTransaction<T>(
        isolationLevel: PQIsolationLevel = .readCommitted,
        _ body: nonisolated(nonsending) (PQConnection) async throws -> T
    ) async throws -> T {
        try await execute("BEGIN ISOLATION LEVEL \(unescaped: isolationLevel.sql)")
        do {
            let result = try await body(self)
            try await execute("COMMIT")
            return result
        } catch {
            do {
                _ = try await executeIgnoringCancellation("ROLLBACK")
            } catch let rollbackError {
                // The pool closes a connection left inside a transaction, so nothing leaks to the next lease.
                logger.debug("postgres rollback failed", metadata: ["error": "\(rollbackError)"])
                discardAfterLease()
            }
            throw error
        }
    }
}
