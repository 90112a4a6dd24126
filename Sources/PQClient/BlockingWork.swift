internal import NIOPosix

/// Runs blocking libpq calls on NIO's blocking thread pool, never on the Swift concurrency pool.
enum BlockingWork {
    /// Runs `body` on the blocking pool; work not yet started when the task is cancelled is skipped.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    /// Runs `body` on the blocking pool even if the task is cancelled: clean-up such as `ROLLBACK` or releasing
    /// a session lock must happen precisely when a task is being cancelled.
    static func runIgnoringCancellation<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            NIOThreadPool.singleton.submit { state in
                switch state {
                case .active:
                    continuation.resume(with: Result(catching: body))
                case .cancelled:
                    continuation.resume(throwing: CancellationError())
                }
            }
        }
    }

    /// Starts `body` on the blocking pool without waiting for it (fire-and-forget, e.g. a cancel request).
    static func submit(_ body: @escaping @Sendable () -> Void) {
        NIOThreadPool.singleton.submit { state in
            if case .active = state { body() }
        }
    }
}
