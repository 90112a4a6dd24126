import AMQPClient
import FleetRuntime
import Foundation
import Logging
import OperatorCommands
import PQClient
import Synchronization
import TestSupport
import Testing

extension OperatorCommandsIntegration {
    /// The operator's rollback walked through with `syncctl` against two real upsert workers, while the ERP keeps
    /// publishing: pause, drain, replay, resume. Every change ends applied exactly once.
    @Suite("Rollback walkthrough", .serialized, .timeLimit(.minutes(5)))
    struct RollbackWalkthroughTests {
        static let logger = Logger(label: "operator-commands-tests", factory: { _ in SwiftLogNoOpLogHandler() })

        /// The ERP publishing a change every few milliseconds until stopped, remembering each message id.
        final class ERPLoop: Sendable {
            let published = Mutex<[String]>([])
            let stop = Atomic<Bool>(false)

            func run(_ fixture: OperatorFixture, portal: String) async throws {
                var number = 0
                while !stop.load(ordering: .relaxed) {
                    let id = UUID().uuidString.lowercased()
                    try await fixture.publishChange(portal: portal, originId: "L-\(number)", messageID: id)
                    published.withLock { $0.append(id) }
                    number += 1
                    try await Task.sleep(for: .milliseconds(4))
                }
            }
        }

        /// Message ids the workers applied (ledger rows done) for `portal`.
        static func appliedIDs(_ fixture: OperatorFixture, portal: String) async throws -> [String] {
            try await fixture.pool.query(
                """
                SELECT message_id FROM sync_ledger
                WHERE portal = \(portal) AND operation = 'upsert' AND status = 'done'
                """
            ).map { try $0.decode(String.self, column: "message_id") }
        }

        @Test("drain under a steady publish: published = applied before the pause + held, none twice; then replay")
        func drainUnderLoadWithWorkers() async throws {
            try await OperatorFixture.run(fastRetries: true) { fixture in
                try await SimulatedPortals.run(logger: Self.logger) { portals in
                    let portal = try await WorkerScenarioTests.register(fixture, portals: portals)
                    let workers = try (0..<2).map { _ in
                        try ChildProcess("upsert-worker", [], environment: fixture.environment)
                    }
                    defer { for worker in workers { worker.signal(SIGKILL) } }
                    let erp = ERPLoop()

                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await erp.run(fixture, portal: portal) }
                        try await fixture.eventually("the workers apply changes") {
                            try await Self.appliedIDs(fixture, portal: portal).count >= 100
                        }
                        let pause = try await fixture.syncctl("pause", "--reason", "rollback test")
                        #expect(pause.status == 0, "pause failed: \(pause.errorOutput)")
                        // The pause holds once the applied count stops moving.
                        try await fixture.eventually("the workers stop taking messages") {
                            let before = try await Self.appliedIDs(fixture, portal: portal).count
                            try await Task.sleep(for: .milliseconds(700))
                            return try await Self.appliedIDs(fixture, portal: portal).count == before
                        }
                        let drained = try await fixture.syncctl("drain", "--json")
                        #expect(try fixture.decode(DrainReport.self, from: drained).moved > 0)
                        try await Task.sleep(for: .milliseconds(300))  // the ERP publishes during and after the drain
                        erp.stop.store(true, ordering: .relaxed)
                        try await group.waitForAll()
                    }
                    _ = try fixture.decode(DrainReport.self, from: try await fixture.syncctl("drain", "--json"))

                    let all = erp.published.withLock { $0 }
                    let applied = try await Self.appliedIDs(fixture, portal: portal)
                    let held = try await fixture.messageIDs(in: "sync.upsert.hold")
                    #expect(Set(applied).isDisjoint(with: held), "a held message was applied already")
                    #expect(Set(held).count == held.count, "a message is held twice")
                    #expect(applied.count + held.count == all.count, "published = applied before the pause + held")
                    #expect(Set(applied).union(held) == Set(all))
                    #expect(try await fixture.depth("sync.upsert") == 0)

                    let replay = try fixture.decode(
                        DrainReport.self,
                        from: try await fixture.syncctl("replay", "--from", "hold", "--json")
                    )
                    #expect(replay.moved == held.count)
                    #expect(try await fixture.syncctl("resume").status == 0)
                    try await fixture.eventually("every change is applied after the resume", timeout: .seconds(120)) {
                        try await Self.appliedIDs(fixture, portal: portal).count == all.count
                    }
                    let items = portals.items(on: portal)
                    #expect(items.count == all.count, "each change applied once")
                    #expect(try await fixture.depth("sync.upsert.dead") == 0)
                    for worker in workers { worker.signal(SIGTERM) }
                    for worker in workers { #expect(try await worker.wait(timeout: .seconds(30)) == 0) }
                }
            }
        }
    }
}
