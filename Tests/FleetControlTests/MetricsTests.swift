import CurlHTTP
import FleetRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// The Prometheus endpoint every worker serves on `METRICS_PORT`: a scrape shows the counters moving.
@Suite("Metrics", .timeLimit(.minutes(2)))
struct MetricsTests {
    @Test("a scrape of /metrics shows messages, retries, portal calls and end-to-end latency moving")
    func scrapeShowsCountersMoving() async throws {
        FleetMetrics.bootstrap()
        try await FleetHarness.run { harness in
            let portal = try await harness.makePortal()
            let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
            let server = FleetMetricsServer(host: "127.0.0.1", port: 0, logger: harness.logger) { port in
                portSink.yield(port)
                portSink.finish()
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(services: [.init(service: server)], logger: harness.logger)
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var port = 0
                for await announced in ports { port = announced }
                let url = "http://127.0.0.1:\(port)/metrics"
                let before = try await Self.scrape(url, http: harness.http)

                // A third of the portal's writes fail at first: retries show up as well as successes.
                harness.simulator.failWrites(on: portal, probability: 0.3)
                try await harness.withUpsertWorkers(batchSize: 5) {
                    try await harness.publishDeals(portal: portal, count: 40)
                    try await harness.eventually("the 40 changes are settled", timeout: .seconds(60)) {
                        try await harness.settledMessages(portal: portal).count == 40
                    }
                }
                let after = try await Self.scrape(url, http: harness.http)
                let acked = #"sync_messages_total{operation="upsert",outcome="acked"}"#
                #expect(after.value(acked) - before.value(acked) >= 40, "acked did not move by 40")
                let calls = #"sync_portal_calls_total{method="batch",outcome="ok"}"#
                #expect(after.value(calls) > before.value(calls))
                let failedCalls = #"sync_portal_calls_total{method="batch",outcome="INTERNAL_SERVER_ERROR"}"#
                #expect(after.value(failedCalls) > before.value(failedCalls), "no failed portal call counted")
                let retries = #"sync_retries_total{operation="upsert",attempt="1"}"#
                #expect(after.value(retries) > before.value(retries), "no retry counted")
                let latency = #"sync_end_to_end_seconds_count{operation="upsert"}"#
                #expect(after.value(latency) - before.value(latency) >= 40)
                #expect(after.text.contains("sync_portal_call_seconds_bucket"))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }

    /// One scrape: the text, and its samples by series name with labels.
    struct Scrape {
        var text: String
        var samples: [String: Double]

        func value(_ series: String) -> Double { samples[series] ?? 0 }
    }

    static func scrape(_ url: String, http: CurlHTTPClient) async throws -> Scrape {
        let response = try await http.execute(HTTPRequest(method: .get, url: url))
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = String(decoding: response.body, as: UTF8.self)
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return Scrape(text: text, samples: samples)
    }
}
