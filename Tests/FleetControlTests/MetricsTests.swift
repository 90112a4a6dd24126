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

                // A third of the portal's writes fail at first: retries show up as well as successes. Five faults at
                // most, fewer than a change's seven attempts, so that no change is dead-lettered by chance (each
                // retry after an INTERNAL_SERVER_ERROR also looks the item up: two batch requests an attempt).
                harness.portals.failWrites(on: portal, probability: 0.3, count: 4, firstAlways: 1)
                try await harness.withUpsertWorkers(batchSize: 5) {
                    try await harness.publishDeals(portal: portal, count: 40)
                    do {
                        try await harness.eventually("the 40 changes are settled", timeout: .seconds(60)) {
                            try await harness.settledMessages(portal: portal).count == 40
                        }
                    } catch {
                        Issue.record("ledger: \(try await harness.ledgerSummary(portal: portal))")
                        throw error
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

    @Test("upsert-worker serves /metrics on METRICS_PORT, and its counters match the messages it acknowledged")
    func workerExecutableServesMetrics() async throws {
        try await FleetHarness.run { harness in
            let portal = try await harness.makePortal()
            var port = Int.random(in: 20_000...40_000)
            while TestEnvironment.canConnect(host: "127.0.0.1", port: port) { port = Int.random(in: 20_000...40_000) }
            let workers = try WorkerProcesses(
                executableName: "upsert-worker",
                environment: [
                    "AMQP_URL": harness.services.amqpURL, "DATABASE_URL": harness.services.databaseURL,
                    "LOG_LEVEL": "info", "METRICS_PORT": "\(port)", "METRICS_HOST": "127.0.0.1",
                    "SYNC_SCHEMAS_DIR": TestEnvironment.schemasFolder.path,
                ]
            )
            do {
                try workers.start()
                try await harness.publishDeals(portal: portal, count: 20)
                try await harness.eventually("the 20 changes are settled") {
                    try await harness.settledMessages(portal: portal).count == 20
                }
                // The acknowledgement follows the ledger commit: poll the scrape until it shows all 20.
                let url = "http://127.0.0.1:\(port)/metrics"
                let acked = #"sync_messages_total{operation="upsert",outcome="acked"}"#
                try await harness.eventually("the worker's scrape counts 20 acknowledged messages") {
                    guard let scrape = try? await Self.scrape(url, http: harness.http) else { return false }
                    return scrape.value(acked) == 20
                }
                let scrape = try await Self.scrape(url, http: harness.http)
                #expect(scrape.value(#"sync_end_to_end_seconds_count{operation="upsert"}"#) == 20)
                #expect(scrape.value(#"sync_portal_calls_total{method="batch",outcome="ok"}"#) >= 1)
                #expect(try await workers.stopAll() == [0])
            } catch {
                workers.killAll()
                Issue.record("worker logs are in \(workers.logFolder.path)")
                throw error
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
