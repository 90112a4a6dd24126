import Bitrix24
import Foundation
import Metrics
package import Prometheus
import Synchronization

/// The fleet's metrics, one function per thing worth counting, so that every worker names them alike. They go
/// through swift-metrics; ``bootstrap()`` points swift-metrics at a Prometheus registry once per process, which
/// ``FleetMetricsServer`` serves as text on `METRICS_PORT`. Without a bootstrap they cost next to nothing.
///
/// Names (Prometheus): `sync_messages_total{operation,outcome}`, `sync_retries_total{operation,attempt}`,
/// `sync_holds_total{operation,reason}`, `sync_dead_letters_total{operation,reason}`,
/// `sync_portal_calls_total{method,outcome}`, `sync_portal_call_seconds{method}`,
/// `sync_rate_limit_waits_total{portal}`, `sync_rate_limit_wait_seconds{portal}`,
/// `sync_end_to_end_seconds{operation}` (from the ERP's publish timestamp to the acknowledgement),
/// `sync_intake_closed_total{queue}`.
package enum FleetMetrics {
    /// The registry this process serves; the same one for every caller.
    package static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped = Mutex(false)

    /// Points swift-metrics at ``registry``; later calls do nothing (swift-metrics allows one bootstrap).
    package static func bootstrap() {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["sync_end_to_end_seconds"] = [
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
            .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(900),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Whether ``bootstrap()`` ran in this process.
    package static var isBootstrapped: Bool { bootstrapped.withLock { $0 } }

    /// The Prometheus text exposition of everything recorded so far.
    package static func exposition() -> String {
        registry.emitToString()
    }

    /// A message left the consumer: `acked`, `requeued` (returned unstarted or after a failed batch).
    package static func message(operation: String, outcome: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "sync_messages_total", dimensions: [("operation", operation), ("outcome", outcome)])
            .increment(by: count)
    }

    /// A message went to its retry delay queue for retry number `attempt`.
    package static func retry(operation: String, attempt: Int) {
        Counter(label: "sync_retries_total", dimensions: [("operation", operation), ("attempt", "\(attempt)")])
            .increment()
    }

    /// A message was parked without spending an attempt (rate or operating-time limit, busy item).
    package static func hold(operation: String, reason: String) {
        Counter(label: "sync_holds_total", dimensions: [("operation", operation), ("reason", reason)]).increment()
    }

    /// A message went to the dead-letter queue; `reason` is its error code.
    package static func deadLetter(operation: String, reason: String) {
        Counter(label: "sync_dead_letters_total", dimensions: [("operation", operation), ("reason", reason)])
            .increment()
    }

    /// One REST request to a portal (`batch`, `crm.item.list`) and how long it took; `outcome` is `ok` or the
    /// error code.
    package static func portalCall(method: String, outcome: String, duration: Duration) {
        Counter(label: "sync_portal_calls_total", dimensions: [("method", method), ("outcome", outcome)]).increment()
        Metrics.Timer(label: "sync_portal_call_seconds", dimensions: [("method", method)]).record(duration: duration)
    }

    /// A replica waited for the shared request budget of `portal` before calling it.
    package static func rateLimitWait(portal: String, duration: Duration) {
        Counter(label: "sync_rate_limit_waits_total", dimensions: [("portal", portal)]).increment()
        Metrics.Timer(label: "sync_rate_limit_wait_seconds", dimensions: [("portal", portal)])
            .record(duration: duration)
    }

    /// From the ERP's publish (the message's AMQP timestamp) to its acknowledgement.
    package static func endToEnd(operation: String, seconds: Double) {
        guard seconds.isFinite, seconds >= 0 else { return }
        Metrics.Timer(label: "sync_end_to_end_seconds", dimensions: [("operation", operation)])
            .recordNanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// A consumer stopped taking messages because the fleet was paused or tripped.
    package static func intakeClosed(queue: String) {
        Counter(label: "sync_intake_closed_total", dimensions: [("queue", queue)]).increment()
    }
}

extension Metrics.Timer {
    fileprivate func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension FleetMetrics {
    /// Runs one portal request and records it: its method, its outcome (`ok` or the portal's error code) and its
    /// latency.
    package static func timedPortalCall<Result>(
        method: String,
        _ call: () async throws -> Result
    ) async throws -> Result {
        let started = ContinuousClock.now
        do {
            let result = try await call()
            portalCall(method: method, outcome: "ok", duration: ContinuousClock.now - started)
            return result
        } catch let error as Bitrix24Error {
            let code = error.portalCode.flatMap { $0.isEmpty ? nil : $0 } ?? error.code.description
            portalCall(method: method, outcome: code, duration: ContinuousClock.now - started)
            throw error
        } catch {
            portalCall(method: method, outcome: "error", duration: ContinuousClock.now - started)
            throw error
        }
    }
}
