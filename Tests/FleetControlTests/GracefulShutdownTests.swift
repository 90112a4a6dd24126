import AMQPClient
import FleetRuntime
import Foundation
import PQClient
import TestSupport
import Testing

/// SIGTERM to real `upsert-worker` processes in the middle of a burst: each stops consuming, finishes or returns
/// what it holds, and exits 0 within the bound; every change is then settled exactly once or still queued, and a
/// second set of workers finishes the rest (a rolling restart that loses and duplicates nothing).
@Suite("Graceful shutdown", .timeLimit(.minutes(4)))
struct GracefulShutdownTests {
    static let burst = 800

    @Test("SIGTERM during a burst: exit 0 within 20 s, every change settled once or still queued")
    func sigtermDuringBurstLosesNothing() async throws {
        try await FleetHarness.run { harness in
            let portal = try await harness.makePortal()
            harness.simulator.slowDown(portal, milliseconds: 40)
            let workers = try WorkerProcesses(
                executableName: "upsert-worker",
                environment: [
                    "AMQP_URL": harness.services.amqpURL,
                    "DATABASE_URL": harness.services.databaseURL,
                    "LOG_LEVEL": "info", "WORKER_BATCH_SIZE": "10", "WORKER_LANES": "2",
                    "WORKER_SHUTDOWN_SECONDS": "15",
                    "SYNC_SCHEMAS_DIR": FleetHarness.schemasFolder.path,
                ]
            )
            do {
                try await Self.runScenario(portal: portal, workers: workers, harness: harness)
            } catch {
                workers.killAll()
                Issue.record("worker logs are in \(workers.logFolder.path)")
                throw error
            }
        }
    }

    private static func runScenario(portal: String, workers: WorkerProcesses, harness: FleetHarness) async throws {
        let queue = harness.upsertQueues.work
        for _ in 0..<2 { try workers.start() }
        let published = Set(try await harness.publishDeals(portal: portal, count: burst))
        try await harness.eventually("the workers are under way") {
            try await harness.settledMessages(portal: portal).count >= 40
        }
        let stoppingAt = ContinuousClock.now
        let exits = try await workers.stopAll(timeout: .seconds(20))
        let took = ContinuousClock.now - stoppingAt
        #expect(exits == [0, 0], "a worker did not exit 0 on SIGTERM: \(exits)")
        #expect(took < .seconds(20), "graceful shutdown took \(took)")

        let settled = try await harness.settledMessages(portal: portal)
        let waiting = try await harness.messageIDs(waitingIn: queue)
        #expect(!waiting.isEmpty, "the burst finished before SIGTERM; nothing was tested")
        #expect(Set(waiting).isDisjoint(with: settled), "a settled change is also still queued")
        #expect(Set(waiting).union(settled) == published, "a change is neither settled nor queued")
        #expect(waiting.count == Set(waiting).count, "a change is queued twice")
        try await harness.eventually("the broker counts no consumer on \(queue)", timeout: .seconds(5)) {
            try await harness.state(of: queue).consumerCount == 0
        }

        // The next replicas finish the burst: every deal exactly once.
        harness.simulator.clearFaults(on: portal)
        for _ in 0..<2 { try workers.start() }
        try await harness.eventually("every change is settled", timeout: .seconds(90)) {
            try await harness.settledMessages(portal: portal) == published
        }
        #expect(try await workers.stopAll() == [0, 0])
        let origins = harness.simulator.dealOrigins(on: portal)
        #expect(origins.count == burst && Set(origins).count == burst, "deals on the portal: \(origins.count)")
    }
}
