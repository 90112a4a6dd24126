import Foundation
import NIOCore

/// What every long-running executable does around its composition root: size the blocking thread pool before
/// anything uses it, bootstrap the metrics backend, and turn a startup failure into one clear line on standard
/// error and exit status 1 (a graceful stop on SIGTERM returns normally: exit status 0).
package enum WorkerProcess {
    /// Threads for blocking libpq and libcurl calls; NIO's default (one per core) would let two slow portal calls
    /// stall every database call of the process.
    package static let blockingThreads = 32

    /// Also points swift-metrics at the Prometheus registry that ``FleetMetricsServer`` serves on `METRICS_PORT`
    /// (unset or 0: recorded, not served).
    ///
    /// Until the service group takes SIGTERM and SIGINT over, either one ends the process with status 0 at once: a
    /// worker still starting holds no message, so a stop (a rolling restart that reaches it early, an operator's
    /// Ctrl-C) loses nothing and is as graceful as a stop can be, where the default action would report a crash.
    package static func prepare() {
        signal(SIGTERM) { _ in _exit(0) }
        signal(SIGINT) { _ in _exit(0) }
        FleetMetrics.bootstrap()
        if ProcessInfo.processInfo.environment["NIO_SINGLETON_BLOCKING_POOL_THREAD_COUNT"] == nil {
            NIOSingletons.blockingPoolThreadCountSuggestion = blockingThreads
        }
    }

    package static func run(_ name: String, _ body: () async throws -> Void) async {
        do {
            try await body()
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(1)
        }
    }
}
