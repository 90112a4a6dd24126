import AMQPClient
import FleetRuntime
import Foundation
import PQClient
import SyncCore
import TestSupport
import Testing

/// The rollback trigger of seed §1 on a shortened window: a portal failing 10% of writes trips the fleet, write
/// intake stops with every message either settled or still queued, and `resume` clears it without re-tripping.
@Suite("Rollback trigger", .timeLimit(.minutes(3)))
struct RollbackTriggerTests {
    static let burst = 800

    @Test("10% failing writes trip the fleet; nothing is lost; resume clears it and the burst completes once")
    func failingWritesTripTheFleet() async throws {
        let oneMinuteWindow: @Sendable (inout IntegrationContract) -> Void = { $0.rollback.windowSeconds = 60 }
        try await FleetHarness.run(adjust: oneMinuteWindow) { harness in
            let portal = try await harness.makePortal()
            harness.portals.failWrites(on: portal, probability: 0.1)
            let queues = harness.upsertQueues
            try await harness.withUpsertWorkers(
                count: 2,
                lanes: 2,
                batchSize: 5,
                gateInterval: .milliseconds(200),
                rollbackInterval: .milliseconds(200)
            ) {
                let published = Set(try await harness.publishDeals(portal: portal, count: Self.burst))
                try await harness.eventually("the fleet trips", timeout: .seconds(60)) {
                    try await harness.control.state().tripped
                }
                let state = try await harness.control.state()
                let reason = state.tripReason ?? ""
                #expect(
                    reason.hasPrefix("write error rate ") && reason.contains("over 1 min") && reason.hasSuffix("> 3%")
                )
                #expect(state.trippedAt != nil && !state.paused && !state.acceptsWrites)

                // Write intake stops; retries come back from their delay queues and wait in the work queue.
                try await harness.eventually("no consumer left on \(queues.work)", timeout: .seconds(5)) {
                    try await harness.state(of: queues.work).consumerCount == 0
                }
                try await harness.eventually("the delay queues have emptied into the work queue") {
                    for queue in queues.delays where try await harness.state(of: queue).messageCount > 0 {
                        return false
                    }
                    return true
                }
                let settled = try await harness.settledMessages(portal: portal)
                let waiting = try await harness.messageIDs(waitingIn: queues.work)
                let dead = try await harness.messageIDs(waitingIn: queues.dead)
                #expect(!waiting.isEmpty, "the burst finished before the trip took effect; nothing was tested")
                #expect(Set(waiting).isDisjoint(with: settled), "a settled change is also still queued")
                #expect(
                    Set(waiting).union(settled).union(dead) == published,
                    "lost: \(published.subtracting(Set(waiting).union(settled).union(dead)).count)"
                )
                #expect(waiting.count == Set(waiting).count, "a change is queued twice")

                // The operator fixes the portal and resumes: the old failures no longer count.
                harness.portals.clearFaults(on: portal)
                try await harness.control.resume(by: "rollback-test")
                do {
                    try await harness.eventually("every change is settled after resume", timeout: .seconds(90)) {
                        try await harness.settledMessages(portal: portal).union(dead) == published
                    }
                } catch {
                    let queued = try await harness.state(of: queues.work)
                    let ledger = try await harness.ledgerSummary(portal: portal)
                    let control = try await harness.control.state().summary
                    Issue.record(
                        "ledger: \(ledger); queued \(queued.messageCount), consumers \(queued.consumerCount); \(control)"
                    )
                    throw error
                }
                #expect(try await harness.control.state().tripped == false, "the fleet tripped again after resume")
            }
            let origins = harness.portals.dealOrigins(on: portal)
            #expect(Set(origins).count == origins.count, "a deal was created twice")
            #expect(harness.portals.counters(of: portal).faultsInjected > 0)
        }
    }

    @Test("fewer writes than the minimum never trip, whatever fails; the window starts at the last resume")
    func minimumAndResumeBoundTheWindow() async throws {
        try await FleetHarness.run { harness in
            let policy = harness.contract.rollback
            let monitor = RollbackMonitor(policy: policy, pool: harness.pool, logger: harness.logger)
            try await Self.recordOutcomes(harness, succeeded: policy.minimumWrites - 6, failed: 5)
            let quiet = try await monitor.evaluate()
            #expect(quiet.window.total == policy.minimumWrites - 1 && quiet.window.failed == 5 && !quiet.tripped)

            try await Self.recordOutcomes(harness, succeeded: 0, failed: 1)
            let over = try await monitor.evaluate()
            #expect(over.tripped && over.window.total == policy.minimumWrites)
            #expect(
                try await harness.control.state().tripReason
                    == "write error rate 30% over 15 min (6/20) > 3%"
            )

            try await harness.control.resume(by: "rollback-test")
            let afterResume = try await monitor.evaluate()
            #expect(afterResume.window.total == 0 && !afterResume.tripped)
            #expect(try await harness.control.state().tripped == false)
        }
    }

    /// Inserts write outcomes as the write path records them.
    static func recordOutcomes(_ harness: FleetHarness, succeeded: Int, failed: Int) async throws {
        for index in 0..<(succeeded + failed) {
            let ok = index < succeeded
            try await harness.pool.execute(
                """
                INSERT INTO write_outcomes (portal, operation, succeeded, error_code)
                VALUES ('p.test', 'upsert', \(ok), \(ok ? nil : "INTERNAL_SERVER_ERROR"))
                """
            )
        }
    }
}
