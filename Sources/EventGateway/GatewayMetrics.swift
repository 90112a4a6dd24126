import Synchronization

/// The gateway's counters and answer times, served at `GET /metrics` in the Prometheus text format.
package final class GatewayMetrics: Sendable {
    /// What the gateway did with a request.
    package enum Counter: String, Sendable, CaseIterable {
        case queued, duplicate, parked, refused, forwarded, installed, uninstalled
    }

    private let counters = Mutex<[Counter: Int]>([:])
    private let refusals = Mutex<[String: Int]>([:])
    private let answerTimes = Mutex<(count: Int, totalSeconds: Double)>((0, 0))

    package init() {}

    package func count(_ counter: Counter, by amount: Int = 1) {
        counters.withLock { $0[counter, default: 0] += amount }
    }

    package func refused(_ code: GatewayRejection.Code) {
        count(.refused)
        refusals.withLock { $0[code.description, default: 0] += 1 }
    }

    package func answered(after duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) + Double(attoseconds) / 1e18
        answerTimes.withLock { $0 = ($0.count + 1, $0.totalSeconds + value) }
    }

    package func value(_ counter: Counter) -> Int {
        counters.withLock { $0[counter] ?? 0 }
    }

    /// The Prometheus exposition text.
    package var text: String {
        var lines = ["# TYPE gateway_events_total counter"]
        let snapshot = counters.withLock { $0 }
        for counter in Counter.allCases {
            lines.append("gateway_events_total{outcome=\"\(counter.rawValue)\"} \(snapshot[counter] ?? 0)")
        }
        lines.append("# TYPE gateway_refusals_total counter")
        for (code, count) in refusals.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            lines.append("gateway_refusals_total{code=\"\(code)\"} \(count)")
        }
        let times = answerTimes.withLock { $0 }
        lines.append("# TYPE gateway_answer_seconds summary")
        lines.append("gateway_answer_seconds_count \(times.count)")
        lines.append("gateway_answer_seconds_sum \(times.totalSeconds)")
        return lines.joined(separator: "\n") + "\n"
    }
}
