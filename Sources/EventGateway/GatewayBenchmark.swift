import AMQPClient
import CurlHTTP
package import FleetRuntime
import Foundation
import Hummingbird
import Logging
import NIOCore
import PQClient
import StructuredLogging
import SyncCore
import Synchronization

/// `event-gateway bench --events 1000 [--concurrency 8]` (at most 12: the senders share the blocking pool): runs the gateway in process against the real broker
/// and database of `AMQP_URL` / `DATABASE_URL`, posts a burst of distinct update events for a throwaway portal,
/// and prints the answer times (p50, p95, p99, max) as JSON. Every event is really queued on `b24.events`: run it
/// against a scratch virtual host, or with no pull worker that would mind an unknown portal's messages.
package enum GatewayBenchmark {
    package static func run(arguments: [String], environment: FleetEnvironment = FleetEnvironment()) async throws {
        let events = option("--events", in: arguments) ?? 1000
        let concurrency = min(option("--concurrency", in: arguments) ?? 8, 12)
        StructuredLogging.bootstrap(process: "event-gateway-bench", level: .warning, sink: .standardError)
        let logger = Logger(label: "event-gateway-bench")
        let pool = PQPool(configuration: try environment.databaseConfiguration(), maxConnections: 16, logger: logger)
        defer { pool.close() }
        let amqp = try environment.amqpConfiguration()
        let setup = try await AMQPConnection.connect(configuration: amqp)
        let contract = try environment.contract()
        _ = try await FleetSetup(
            plan: try TopologyPlan(definition: try environment.topology(), contract: contract),
            logger: logger
        ).run(pool: pool, migrations: try environment.migrationsDirectory(), broker: setup)
        await setup.close()
        let publisher = try await AMQPPublisher.connect(configuration: amqp, logger: logger)
        let domain = "bench-\(UUID().uuidString.lowercased().prefix(8)).test"
        let memberID = UUID().uuidString.lowercased()
        let token = UUID().uuidString.lowercased()
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(
                domain: domain,
                memberID: memberID,
                webhookURL: "https://\(domain)/rest/1/x/",
                applicationToken: token,
                plan: .box
            )
        )
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let application = EventGatewayApplication.make(
            contract: contract,
            pool: pool,
            publisher: publisher,
            logger: logger,
            port: 0,
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            }
        )
        let http = CurlHTTPClient(
            configuration: CurlHTTPConfiguration(maxConnections: concurrency),
            logger: logger
        )
        defer { http.shutdown() }
        let report = try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await application.runService() }
            var port = 0
            for await announced in ports { port = announced }
            let url = "http://127.0.0.1:\(port)/hooks/crm/deal-update"
            let started = ContinuousClock.now
            let burst = Burst()
            try await withThrowingTaskGroup(of: Void.self) { senders in
                for _ in 0..<concurrency {
                    senders.addTask {
                        while true {
                            let index = burst.next.add(1, ordering: .relaxed).oldValue
                            guard index < events else { return }
                            let body = EventForm.body(
                                event: "ONCRMDEALUPDATE",
                                id: Int64(index + 1),
                                ts: 1_780_000_000 + Int64(index),
                                domain: domain,
                                memberID: memberID,
                                applicationToken: token,
                                accessToken: "bench"
                            )
                            let sent = ContinuousClock.now
                            let response = try await http.execute(
                                CurlHTTP.HTTPRequest(
                                    method: .post,
                                    url: url,
                                    headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                    body: body
                                )
                            )
                            let elapsed = ContinuousClock.now - sent
                            if response.status != 200 { burst.failures.add(1, ordering: .relaxed) }
                            burst.times.withLock { $0.append(milliseconds(elapsed)) }
                        }
                    }
                }
                try await senders.waitForAll()
            }
            let total = ContinuousClock.now - started
            tasks.cancelAll()
            let sorted = burst.times.withLock { $0 }.sorted()
            let report: JSONValue = [
                "benchmark": "event-gateway answer time", "events": .int(Int64(events)),
                "concurrency": .int(Int64(concurrency)), "non200": .int(Int64(burst.failures.load(ordering: .relaxed))),
                "p50Ms": .double(percentile(sorted, 0.50)), "p95Ms": .double(percentile(sorted, 0.95)),
                "p99Ms": .double(percentile(sorted, 0.99)), "maxMs": .double(sorted.last ?? 0),
                "totalSeconds": .double(milliseconds(total) / 1000),
                "eventsPerSecond": .double(Double(events) / max(milliseconds(total) / 1000, 0.001)),
            ]
            return report
        }
        await publisher.close()
        print(report.compactString)
    }

    private static func option(_ name: String, in arguments: [String]) -> Int? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return Int(arguments[index + 1])
    }

    private static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    private static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return (sorted[min(max(rank, 0), sorted.count - 1)] * 1000).rounded() / 1000
    }
}

/// What the senders of one burst share: the next event to send, the answer times, the non-200 count.
private final class Burst: Sendable {
    let next = Atomic<Int>(0)
    let failures = Atomic<Int>(0)
    let times = Mutex<[Double]>([])
}
