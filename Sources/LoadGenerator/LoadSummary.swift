import Foundation
import SyncCore

/// What a load run measured, printed as text for people or JSON for the benchmark.
struct LoadSummary: Encodable {
    struct DeadLetterReason: Encodable {
        var code: String
        var count: Int
        var example: String
    }

    var messages: Int
    var expectedInvalid: Int
    var settled: Int
    var timedOut: Bool
    var publishSeconds: Double
    var elapsedSeconds: Double
    var statuses: [String: Int]
    var retries: Int
    var deadLetters: [DeadLetterReason]
    var latencyP50: Double
    var latencyP95: Double
    var latencyP99: Double
    var portal: PortalFigures?

    var throughput: Double { elapsedSeconds > 0 ? Double(settled) / elapsedSeconds : 0 }

    enum CodingKeys: String, CodingKey {
        case messages, expectedInvalid, settled, timedOut, publishSeconds, elapsedSeconds, statuses, retries
        case deadLetters, latencyP50, latencyP95, latencyP99, portal, throughput
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messages, forKey: .messages)
        try container.encode(expectedInvalid, forKey: .expectedInvalid)
        try container.encode(settled, forKey: .settled)
        try container.encode(timedOut, forKey: .timedOut)
        try container.encode(publishSeconds, forKey: .publishSeconds)
        try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try container.encode(statuses, forKey: .statuses)
        try container.encode(retries, forKey: .retries)
        try container.encode(deadLetters, forKey: .deadLetters)
        try container.encode(latencyP50, forKey: .latencyP50)
        try container.encode(latencyP95, forKey: .latencyP95)
        try container.encode(latencyP99, forKey: .latencyP99)
        try container.encodeIfPresent(portal, forKey: .portal)
        try container.encode(throughput, forKey: .throughput)
    }

    var text: String {
        var lines = [
            "messages published:   \(messages) (\(expectedInvalid) deliberately invalid) in \(format(publishSeconds)) s",
            "settled:              \(settled)\(timedOut ? " (timed out waiting for the rest)" : "") in \(format(elapsedSeconds)) s, \(format(throughput)) msg/s",
            "ledger rows:          "
                + statuses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            "retries:              \(retries)",
            "end-to-end latency:   p50 \(format(latencyP50 * 1000)) ms, p95 \(format(latencyP95 * 1000)) ms, p99 \(format(latencyP99 * 1000)) ms",
        ]
        if let portal {
            lines.append(
                "items on the portal:  "
                    + portal.itemsByType.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ")
            )
            lines.append(
                "portal requests:      \(portal.requests) (\(portal.rateLimitRefusals) refused with QUERY_LIMIT_EXCEEDED, \(portal.faultsInjected) injected faults)"
            )
        }
        lines.append("dead letters:         \(deadLetters.reduce(0) { $0 + $1.count })")
        for reason in deadLetters {
            lines.append("  \(reason.count) × \(reason.code): \(reason.example)")
        }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}

/// What the simulator counted during the run.
struct PortalFigures: Encodable {
    var requests: Int
    var rateLimitRefusals: Int
    var operatingRefusals: Int
    var faultsInjected: Int
    /// Calls by REST method during the run; a `batch` counts once as `batch` and once per inner call.
    var callsByMethod: [String: Int]
    var itemsByType: [String: Int]

    init?(before: JSONValue?, after: JSONValue?) {
        guard let after else { return nil }
        func count(_ value: JSONValue?, _ key: String) -> Int { Int(value?[key]?.integerValue ?? 0) }
        func requests(_ value: JSONValue?) -> Int {
            Int(value?["requests"]?.integerValue ?? value?["callsByMethod"]?["batch"]?.integerValue ?? 0)
        }
        self.requests = requests(after) - requests(before)
        rateLimitRefusals = count(after, "rateLimitRefusals") - count(before, "rateLimitRefusals")
        operatingRefusals = count(after, "operatingRefusals") - count(before, "operatingRefusals")
        faultsInjected = count(after, "faultsInjected") - count(before, "faultsInjected")
        var calls: [String: Int] = [:]
        for (method, count) in after["callsByMethod"]?.objectValue ?? JSONObject() {
            let earlier = Int(before?["callsByMethod"]?[method]?.integerValue ?? 0)
            calls[method] = Int(count.integerValue ?? 0) - earlier
        }
        callsByMethod = calls
        var items: [String: Int] = [:]
        for (entityTypeId, count) in after["itemCounts"]?.objectValue ?? JSONObject() {
            items[entityTypeId] = Int(count.integerValue ?? 0)
        }
        itemsByType = items
    }
}
