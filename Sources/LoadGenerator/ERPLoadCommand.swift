import AMQPClient
package import ArgumentParser
import CurlHTTP
import FleetRuntime
import Foundation
import PQClient
import SyncCore

/// `erp-load`: plays the ERP for a demo or a benchmark. Publishes a scenario to `erp.changes`, shows progress
/// while the fleet works through it, and reports what happened: outcomes, retries, dead letters with their
/// reasons, end-to-end latency, throughput, and (with `--sim`) what the portal simulator saw.
package struct ERPLoadCommand: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "erp-load",
        abstract: "Publish ERP changes like the ERP does and measure how the fleet handles them."
    )

    @Option(help: "Portal domain the changes name.") var portal = "acme.bitrix24.ru"
    @Option(help: "New deals.") var deals = 1240
    @Option(help: "New service tickets.") var tickets = 200
    @Option(help: "Deals updated after creation.") var updates = 100
    @Option(help: "Of those, how many also get an older version published late (out of order).") var outOfOrder = 20
    @Option(help: "Invalid messages (unknown field, read-only field, broken JSON).") var invalid = 6
    @Option(help: "Deals deleted at the end.") var deletes = 0
    @Option(help: "Give up waiting after this many seconds.") var timeout = 600.0
    @Option(help: "The simulator's admin URL of the portal (http://127.0.0.1:8090/_sim/portals/<domain>).")
    var sim: String?
    @Option(help: "Entity type ids whose items to count on the simulator.") var entityTypes: [Int] = [2, 1280]
    @Flag(help: "Draw a progress bar on standard error.") var progress = false
    @Flag(help: "Print the summary as JSON.") var json = false

    package init() {}

    package func run() async throws {
        let environment = FleetEnvironment()
        let scenario = ChangeScenario(
            portal: portal,
            deals: deals,
            tickets: tickets,
            updates: updates,
            outOfOrder: outOfOrder,
            invalid: invalid,
            deletes: deletes
        )
        let messages = scenario.messages()
        let ids = messages.map(\.messageID)
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let simulatorBefore = try await simulatorStats(http)

        let publisher = try await AMQPPublisher.connect(configuration: try environment.amqpConfiguration())
        let started = Date()
        let published = try await LoadPublisher(publisher: publisher).publish(messages)
        await publisher.close()
        let publishSeconds = Date().timeIntervalSince(started)

        let pool = PQPool(configuration: try environment.databaseConfiguration(), maxConnections: 2)
        defer { pool.close() }
        let monitor = LoadMonitor(pool: pool)
        var current = LoadMonitor.Progress(settled: 0, retried: 0)
        var tracker = LoadMonitor.Tracker(messageIDs: ids)
        let deadline = Date().addingTimeInterval(timeout)
        while current.settled < messages.count, Date() < deadline {
            current = try await tracker.refresh(monitor)
            if progress { ProgressBar.draw(done: current.settled, total: messages.count, retries: current.retried) }
            if current.settled < messages.count { try await Task.sleep(for: .milliseconds(250)) }
        }
        let elapsed = Date().timeIntervalSince(started)
        if progress { ProgressBar.finish() }

        let latencies = try await monitor.latencies(published: published)
        let simulatorAfter = try await simulatorStats(http)
        let summary = LoadSummary(
            messages: messages.count,
            expectedInvalid: messages.filter(\.expectedInvalid).count,
            settled: current.settled,
            timedOut: current.settled < messages.count,
            publishSeconds: publishSeconds,
            elapsedSeconds: elapsed,
            statuses: try await monitor.statusCounts(of: ids),
            retries: current.retried,
            deadLetters: try await monitor.deadLetterReasons(of: ids),
            latencyP50: latencies.quantile(0.5),
            latencyP95: latencies.quantile(0.95),
            latencyP99: latencies.quantile(0.99),
            portal: PortalFigures(before: simulatorBefore, after: simulatorAfter)
        )
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(summary.text)
        }
        if summary.timedOut { throw ExitCode(2) }
    }

    private func simulatorStats(_ http: CurlHTTPClient) async throws -> JSONValue? {
        guard let sim else { return nil }
        let stats = try await http.execute(.get(sim + "/stats"))
        var object = try JSONValue(parsing: stats.body).objectValue ?? JSONObject()
        var counts = JSONObject()
        for entityTypeId in entityTypes {
            let answer = try await http.execute(.get(sim + "/items?entityTypeId=\(entityTypeId)"))
            let items = try JSONValue(parsing: answer.body)
            let list = items["items"]?.arrayValue ?? items.arrayValue ?? []
            counts[String(entityTypeId)] = .int(Int64(list.count))
        }
        object["itemCounts"] = .object(counts)
        return .object(object)
    }
}
