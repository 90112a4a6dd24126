internal import Synchronization

/// Lends easy handles exclusively: at most `capacity` exist, idle ones are reused (keeping their keep-alive
/// connections), and callers beyond capacity wait in FIFO order.
final class EasyHandlePool: Sendable {
    private struct State {
        var idle: [LeasedEasyHandle] = []
        var created = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<LeasedEasyHandle, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var isShutDown = false
    }

    /// What ``lease()`` decided under the lock.
    private enum LeaseDecision {
        case reuse(LeasedEasyHandle)
        case create
        case wait
        case shutDown
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let configuration: CurlHTTPConfiguration

    init(configuration: CurlHTTPConfiguration) {
        self.configuration = configuration
        capacity = configuration.maxConnections
    }

    /// Takes a handle for exclusive use; give it back with ``release(_:)``.
    ///
    /// - Throws: ``CurlError/Code/cancelled`` if the task is cancelled while waiting, ``CurlError/Code/shutdown``
    ///   after ``shutdown()``, or the error of creating a new handle.
    func lease() async throws(CurlError) -> LeasedEasyHandle {
        let decision: LeaseDecision = state.withLock { state in
            if state.isShutDown { return .shutDown }
            if let handle = state.idle.popLast() { return .reuse(handle) }
            if state.created < capacity {
                state.created += 1
                return .create
            }
            return .wait
        }
        switch decision {
        case .reuse(let handle):
            return handle
        case .shutDown:
            throw Self.shutdownError
        case .create:
            do {
                return LeasedEasyHandle(handle: try CurlEasyHandle(configuration: configuration))
            } catch {
                state.withLock { $0.created -= 1 }
                throw error
            }
        case .wait:
            return try await waitForHandle()
        }
    }

    /// Returns a leased handle: to the oldest waiter, else to the idle list, else (after shutdown) to nobody.
    func release(_ handle: LeasedEasyHandle) {
        let waiter: CheckedContinuation<LeasedEasyHandle, any Error>? = state.withLock { state in
            if state.isShutDown {
                state.created -= 1
                return nil
            }
            if !state.waiters.isEmpty { return state.waiters.removeFirst().continuation }
            state.idle.append(handle)
            return nil
        }
        waiter?.resume(returning: handle)
    }

    /// Frees idle handles (closing their connections) and fails every waiter; leased handles are freed on return.
    func shutdown() {
        let (idle, waiters) = state.withLock { state in
            state.isShutDown = true
            let taken = (state.idle, state.waiters)
            state.created -= state.idle.count
            state.idle = []
            state.waiters = []
            return taken
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: Self.shutdownError)
        }
        _ = idle  // Dropping the last reference runs curl_easy_cleanup.
    }

    private func waitForHandle() async throws(CurlError) -> LeasedEasyHandle {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let outcome: (any Error)? = state.withLock { state in
                        // Checked under the lock: a cancel that ran before we registered has already found nothing.
                        if Task.isCancelled { return CancellationError() }
                        if state.isShutDown { return Self.shutdownError }
                        state.waiters.append((id: id, continuation: continuation))
                        return nil
                    }
                    if let outcome { continuation.resume(throwing: outcome) }
                }
            } onCancel: {
                let waiter = state.withLock { state in
                    state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
                }
                waiter?.resume(throwing: CancellationError())
            }
        } catch let error as CurlError {
            throw error
        } catch {
            throw CurlError(
                code: .cancelled,
                message: "The request was cancelled while waiting for a free connection; nothing was sent."
            )
        }
    }

    private static var shutdownError: CurlError {
        CurlError(
            code: .shutdown,
            message: "The HTTP client has been shut down. Create a new CurlHTTPClient, or stop sending requests."
        )
    }
}
