extension PQConnection {
    /// Takes `pg_advisory_xact_lock(key)`: waits until no other transaction holds `key`; released at COMMIT/ROLLBACK.
    ///
    /// Call it inside ``withTransaction(isolationLevel:_:)``. The wait occupies a blocking-pool thread; cancelling
    /// the task cancels the wait on the server.
    nonisolated(nonsending) package func advisoryTransactionLock(_ key: Int64) async throws {
        _ = try await query("SELECT pg_advisory_xact_lock(\(key))")
    }

    /// Tries `pg_try_advisory_xact_lock(key)` without waiting; true when this transaction now holds `key`.
    nonisolated(nonsending) package func tryAdvisoryTransactionLock(_ key: Int64) async throws -> Bool {
        try await query("SELECT pg_try_advisory_xact_lock(\(key)) AS locked").first?.decode(Bool.self, at: 0) ?? false
    }

    /// Tries the session-level `pg_try_advisory_lock(key)` without waiting; true when this connection now holds it.
    ///
    /// The lock lives as long as the session: release it with ``advisoryUnlock(_:)`` before the lease ends,
    /// or use ``withAdvisoryLock(_:pollInterval:_:)``, which always does.
    nonisolated(nonsending) package func tryAdvisoryLock(_ key: Int64) async throws -> Bool {
        try await query("SELECT pg_try_advisory_lock(\(key)) AS locked").first?.decode(Bool.self, at: 0) ?? false
    }

    /// Releases a session-level advisory lock; false when this connection did not hold it.
    @discardableResult
    nonisolated(nonsending) package func advisoryUnlock(_ key: Int64) async throws -> Bool {
        try await executeIgnoringCancellation("SELECT pg_advisory_unlock(\(key)) AS unlocked")
            .first?.decode(Bool.self, at: 0) ?? false
    }

    /// Holds the session-level advisory lock `key` while `body` runs, waiting for it first.
    ///
    /// Waiting polls `pg_try_advisory_lock` every `pollInterval`, so a waiter holds no thread. The lock is
    /// released when `body` returns or throws; if that fails, the pool closes the connection, which releases it.
    nonisolated(nonsending) package func withAdvisoryLock<T>(
        _ key: Int64,
        pollInterval: Duration = .milliseconds(50),
        _ body: nonisolated(nonsending) (PQConnection) async throws -> T
    ) async throws -> T {
        while try await !tryAdvisoryLock(key) {
            try await Task.sleep(for: pollInterval)
        }
        let result: T
        do {
            result = try await body(self)
        } catch {
            await unlockOrDiscard(key)
            throw error
        }
        await unlockOrDiscard(key)
        return result
    }

    /// ``withAdvisoryLock(_:pollInterval:_:)`` on the key PostgreSQL derives from `name`
    /// (`hashtextextended(name, 0)`), so that callers name what they lock (`"capabilities|portal"`) instead of
    /// choosing numbers that could collide.
    nonisolated(nonsending) package func withAdvisoryLock<T>(
        named name: String,
        pollInterval: Duration = .milliseconds(50),
        _ body: nonisolated(nonsending) (PQConnection) async throws -> T
    ) async throws -> T {
        let key = try await query("SELECT hashtextextended(\(name), 0) AS key").first?.decode(Int64.self, at: 0) ?? 0
        return try await withAdvisoryLock(key, pollInterval: pollInterval, body)
    }

    nonisolated(nonsending) private func unlockOrDiscard(_ key: Int64) async {
        do {
            if try await !advisoryUnlock(key) { discardAfterLease() }
        } catch {
            discardAfterLease()
        }
    }
}
