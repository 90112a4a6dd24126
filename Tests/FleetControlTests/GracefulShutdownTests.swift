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
            // Slow enough that the burst outlasts the first settled changes by seconds, even on a busy machine.
            harness.portals.slowDown(portal, milliseconds: 400)
            let workers = try Self.workers(harness)
            do {
                try await Self.runScenario(portal: portal, workers: workers, harness: harness)
            } catch {
                workers.killAll()
                Issue.record("worker logs are in \(workers.logFolder.path)")
                throw error
            }
        }
    }

    @Test("a rolling restart of every replica under a steady publish loses and duplicates nothing")
    func rollingRestartUnderLoad() async throws {
        try await FleetHarness.run { harness in
            let portal = try await harness.makePortal()
            harness.portals.slowDown(portal, milliseconds: 20)
            let workers = try Self.workers(harness)
            do {
                for _ in 0..<2 { try workers.start() }
                let published = try await withThrowingTaskGroup(of: [String].self) { tasks in
                    tasks.addTask {
                        // 600 changes in waves of 30 every 100 ms while the replicas are replaced one by one.
                        var messageIDs: [String] = []
                        for wave in 0..<20 {
                            messageIDs += try await harness.publishDeals(
                                portal: portal,
                                count: 30,
                                first: wave * 30 + 1
                            )
                            try await Task.sleep(for: .milliseconds(100))
                        }
                        return messageIDs
                    }
                    tasks.addTask {
                        var exits: [Int32] = []
                        for _ in 0..<4 {
                            try await Task.sleep(for: .milliseconds(400))
                            try workers.start()
                            if let exit = try await workers.stopOldest() { exits.append(exit) }
                        }
                        #expect(exits == [0, 0, 0, 0], "a replica did not exit 0 on SIGTERM: \(exits)")
                        return []
                    }
                    return try await tasks.reduce(into: []) { $0 += $1 }
                }
                #expect(published.count == 600)
                try await harness.eventually("every change is settled", timeout: .seconds(90)) {
                    try await harness.settledMessages(portal: portal) == Set(published)
                }
                #expect(try await workers.stopAll() == [0, 0])
                let origins = harness.portals.dealOrigins(on: portal)
                #expect(origins.count == 600 && Set(origins).count == 600, "deals on the portal: \(origins.count)")
            } catch {
                workers.killAll()
                Issue.record("worker logs are in \(workers.logFolder.path)")
                throw error
            }
        }
    }

    static func workers(_ harness: FleetHarness) throws -> WorkerProcesses {
        try WorkerProcesses(
            executableName: "upsert-worker",
            environment: [
                "AMQP_URL": harness.services.amqpURL,
                "DATABASE_URL": harness.services.databaseURL,
                "LOG_LEVEL": "info", "WORKER_BATCH_SIZE": "10", "WORKER_LANES": "2",
                "WORKER_SHUTDOWN_SECONDS": "15",
                "SYNC_SCHEMAS_DIR": TestEnvironment.schemasFolder.path,
            ]
        )
    }

    private static func runScenario(portal: String, workers: WorkerProcesses, harness: FleetHarness) async throws {
        let queue = harness.upsertQueues.work
        for _ in 0..<2 { try workers.start() }
        let published = Set(try await harness.publishDeals(portal: portal, count: burst))
        try await harness.eventually("the workers are under way") {
            try await harness.settledMessages(portal: portal).count >= 20
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
        harness.portals.clearFaults(on: portal)
        for _ in 0..<2 { try workers.start() }
        try await harness.eventually("every change is settled", timeout: .seconds(90)) {
            try await harness.settledMessages(portal: portal) == published
        }
        let finalExits = try await workers.stopAll()
        #expect(finalExits == [0, 0], "a worker did not exit 0 on SIGTERM: \(finalExits)")
        let origins = harness.portals.dealOrigins(on: portal)
        #expect(origins.count == burst && Set(origins).count == burst, "deals on the portal: \(origins.count)")
    }
}
