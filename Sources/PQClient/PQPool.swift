package import Logging
internal import Synchronization

/// A small pool of PostgreSQL connections, each leased to one task at a time.
///
/// Up to `maxConnections` connections are opened on demand; when all are leased, callers wait (in FIFO order,
/// without holding a thread) until one is returned. At lease time an idle connection is checked (`PQstatus`,
/// plus reading anything the server sent while it sat idle) and replaced if it broke, e.g. after a server
/// restart. A statement that fails because its connection broke throws `.connectionLost`; the broken
/// connection is closed on return and the next lease opens a fresh one, so the caller just retries.
package final class PQPool: Sendable {
    package let configuration: PQConfiguration
    package let maxConnections: Int
    private let logger: Logger
    private let state = Mutex(PoolState())

    /// - Parameters:
    ///   - configuration: where to connect; see ``PQConfiguration/init(url:)``.
    ///   - maxConnections: the most connections open at once (leased plus idle).
    ///   - logger: receives connection lifecycle events at debug/info level; no-op by default.
    package init(configuration: PQConfiguration, maxConnections: Int = 4, logger: Logger = PQPool.noOpLogger) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.logger = logger
    }

    /// A pool for `postgres://user:password@host:port/database?sslmode=...`.
    package convenience init(url: String, maxConnections: Int = 4, logger: Logger = PQPool.noOpLogger) throws {
        self.init(configuration: try PQConfiguration(url: url), maxConnections: maxConnections, logger: logger)
    }

    /// A logger that drops everything, the default for libraries.
    package static let noOpLogger = Logger(label: "pqclient", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Leases a connection for the duration of `body` and returns it to the pool afterwards.
    ///
    /// Use this to keep several statements (or a session-level advisory lock) on one connection.
    /// - Throws: what `body` throws; ``PQError`` `.connectionFailed` if no connection could be opened,
    ///   `.poolClosed` after ``close()``; `CancellationError` if the task is cancelled while waiting.
    nonisolated(nonsending) package func withConnection<T>(
        _ body: nonisolated(nonsending) (PQConnection) async throws -> T
    ) async throws -> T {
        let handle = try await lease()
        let connection = PQConnection(handle: handle, logger: logger)
        defer {
            connection.endLease()
            release(handle, reusable: !connection.mustDiscard && handle.isIdle)
        }
        return try await body(connection)
    }

    /// Runs `body` in a transaction on a leased connection: commits when it returns, rolls back when it throws
    /// or the task is cancelled. See ``PQConnection/withTransaction(isolationLevel:_:)``.
    nonisolated(nonsending) package func withTransaction<T>(
        isolationLevel: PQIsolationLevel = .readCommitted,
        _ body: nonisolated(nonsending) (PQConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(isolationLevel: isolationLevel, body)
        }
    }

    /// Runs one parameterized statement on any connection and returns its rows.
    nonisolated(nonsending) package func query(_ query: PQQuery) async throws -> PQRows {
        try await withConnection { connection in try await connection.query(query) }
    }

    /// Runs one parameterized statement on any connection and returns how many rows it touched.
    @discardableResult
    nonisolated(nonsending) package func execute(_ query: PQQuery) async throws -> Int {
        try await withConnection { connection in try await connection.execute(query) }
    }

    /// Closes idle connections and refuses new leases; leased connections are closed when returned.
    package func close() {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            state.openCount -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: Self.closedError())
        }
        // The idle handles are dropped here, which closes them (PQfinish does not block: the socket is non-blocking).
        logger.debug("postgres pool closed", metadata: ["pq.pool.closed_idle": "\(idle.count)"])
    }

    /// How many connections are open (leased or idle), for diagnostics and tests.
    package var openConnectionCount: Int {
        state.withLock { $0.openCount }
    }

    // MARK: leasing

    nonisolated(nonsending) private func lease() async throws -> PQConnectionHandle {
        var grant = try await acquire()
        while true {
            switch grant {
            case .idle(let handle):
                if handle.pollIsAlive() { return handle }
                logger.info(
                    "postgres connection found broken at lease time; reconnecting",
                    metadata: ["pq.backend_pid": "\(handle.backendPID)"]
                )
                grant = .permit
            case .permit:
                let configuration = self.configuration
                do {
                    let handle = try await BlockingWork.run { () throws(PQError) in
                        try PQConnectionHandle.connect(configuration: configuration)
                    }
                    logger.debug(
                        "postgres connection opened",
                        metadata: [
                            "pq.server": "\(configuration.host):\(configuration.port)",
                            "pq.backend_pid": "\(handle.backendPID)",
                        ]
                    )
                    return handle
                } catch {
                    givePermitBack()
                    throw error
                }
            }
        }
    }

    /// Takes an idle connection, or permission to open one, or waits for either.
    nonisolated(nonsending) private func acquire() async throws -> Grant {
        enum Immediate {
            case granted(Grant)
            case mustWait
        }
        let immediate = try state.withLock { state throws(PQError) -> Immediate in
            if state.isClosed { throw Self.closedError() }
            if let handle = state.idle.popLast() { return .granted(.idle(handle)) }
            if state.openCount < maxConnections {
                state.openCount += 1
                return .granted(.permit)
            }
            return .mustWait
        }
        if case .granted(let grant) = immediate { return grant }

        let waiterID = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                let outcome = state.withLock { state -> Result<Grant, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.isClosed { return .failure(Self.closedError()) }
                    // A connection may have come back between the first check and now.
                    if let handle = state.idle.popLast() { return .success(.idle(handle)) }
                    if state.openCount < maxConnections {
                        state.openCount += 1
                        return .success(.permit)
                    }
                    state.waiters.append(Waiter(id: waiterID, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Returns a connection: to the first waiter, to the idle list, or closes it when broken or the pool closed.
    private func release(_ handle: PQConnectionHandle, reusable: Bool) {
        if !reusable {
            logger.debug(
                "postgres connection closed instead of reused",
                metadata: ["pq.backend_pid": "\(handle.backendPID)"]
            )
            givePermitBack()
            return
        }
        let waiter = state.withLock { state -> Waiter? in
            if state.isClosed {
                state.openCount -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.idle.append(handle)
            return nil
        }
        waiter?.continuation.resume(returning: .idle(handle))
    }

    /// Frees the slot of a connection that was closed or never opened: a waiter may open one instead.
    private func givePermitBack() {
        let waiter = state.withLock { state -> Waiter? in
            if !state.isClosed, !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.openCount -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .permit)
    }

    private static func closedError() -> PQError {
        PQError(code: .poolClosed, message: "the connection pool is closed")
    }
}

/// What a lease request receives.
private enum Grant: Sendable {
    /// An idle connection to check and use.
    case idle(PQConnectionHandle)
    /// A free slot: open a new connection.
    case permit
}

/// A task waiting for a connection.
private struct Waiter: Sendable {
    let id: UInt64
    let continuation: CheckedContinuation<Grant, any Error>
}

/// The pool's mutable state, guarded by its mutex.
private struct PoolState: Sendable {
    var idle: [PQConnectionHandle] = []
    /// Leased plus idle plus being opened.
    var openCount = 0
    var waiters: [Waiter] = []
    var nextWaiterID: UInt64 = 0
    var isClosed = false
}
