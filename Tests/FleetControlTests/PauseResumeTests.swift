import AMQPClient
import FleetRuntime
import Foundation
import PQClient
import TestSupport
import Testing

/// `syncctl pause` / `resume` through the fleet-wide switch: consumers stop taking messages within seconds, hold
/// none back unacknowledged, and subscribe again on resume.
@Suite("Pause and resume", .timeLimit(.minutes(3)))
struct PauseResumeTests {
    static let burst = 1000

    @Test("pause during a burst stops intake within 5 s, holds nothing, and resume finishes every change once")
    func pauseStopsIntakeAndResumeRestartsIt() async throws {
        try await FleetHarness.run { harness in
            let portal = try await harness.makePortal()
            // Each portal call takes 400 ms, so the burst lasts long enough (10 s and more) to pause in the middle of
            // it, even on a busy machine.
            harness.portals.slowDown(portal, milliseconds: 400)
            let queue = harness.upsertQueues.work
            try await harness.withUpsertWorkers(count: 2, lanes: 2, batchSize: 10) {
                let published = Set(try await harness.publishDeals(portal: portal, count: Self.burst))
                try await harness.eventually("the workers are under way") {
                    try await harness.settledMessages(portal: portal).count >= 20
                }

                let pausedAt = ContinuousClock.now
                try await harness.control.pause(reason: "test: rollback drill", by: "pause-test")
                try await harness.eventually("no consumer left on \(queue)", timeout: .seconds(5)) {
                    try await harness.state(of: queue).consumerCount == 0
                }
                let stopped = ContinuousClock.now - pausedAt
                #expect(stopped < .seconds(5), "intake stopped only after \(stopped)")

                // Nothing moves while paused: the settled set stays put and the rest waits, ready, in the queue.
                let settledAtPause = try await harness.settledMessages(portal: portal)
                try await Task.sleep(for: .seconds(2))
                let settledLater = try await harness.settledMessages(portal: portal)
                #expect(settledLater == settledAtPause, "changes were settled while the fleet was paused")
                let waiting = try await harness.messageIDs(waitingIn: queue)
                #expect(Set(waiting).isDisjoint(with: settledLater), "a settled change is also still queued")
                #expect(Set(waiting).union(settledLater) == published, "a change is neither settled nor queued")
                #expect(waiting.count == Set(waiting).count, "a change is queued twice")
                #expect(!waiting.isEmpty, "the burst finished before the pause took effect; nothing was tested")
                let state = try await harness.control.state()
                #expect(state.paused && state.pauseReason == "test: rollback drill" && state.pausedBy == "pause-test")
                #expect(!state.acceptsWrites)

                try await harness.control.resume(by: "pause-test")
                try await harness.eventually("consumers are back on \(queue)", timeout: .seconds(5)) {
                    try await harness.state(of: queue).consumerCount == 2
                }
                try await harness.eventually("every change is settled after resume", timeout: .seconds(90)) {
                    try await harness.settledMessages(portal: portal) == published
                }
            }
            let origins = harness.portals.dealOrigins(on: portal)
            #expect(origins.count == Self.burst, "items on the portal: \(origins.count)")
            #expect(Set(origins).count == origins.count, "a deal was created twice")
        }
    }

    @Test("pause and resume keep who and why; resume clears a trip too")
    func controlStateRoundTrip() async throws {
        try await FleetHarness.run { harness in
            let control = harness.control
            #expect(try await control.state() == FleetControlState())
            try await control.pause(reason: "maintenance", by: "alice")
            let paused = try await control.state()
            #expect(paused.paused && paused.pauseReason == "maintenance" && paused.pausedBy == "alice")
            #expect(paused.pausedAt != nil && !paused.tripped)
            #expect(try await control.trip(reason: "write error rate 5% over 15 min (5/100) > 3%"))
            #expect(try await control.trip(reason: "a second reason") == false, "a tripped fleet tripped again")
            let tripped = try await control.state()
            #expect(tripped.tripped && tripped.tripReason == "write error rate 5% over 15 min (5/100) > 3%")
            try await control.resume(by: "bob")
            let resumed = try await control.state()
            #expect(!resumed.paused && !resumed.tripped && resumed.acceptsWrites)
            #expect(resumed.resumedBy == "bob" && resumed.resumedAt != nil && resumed.pauseReason == nil)
            let events = try await harness.pool.query("SELECT action FROM fleet_control_events ORDER BY id")
                .map { try $0.decode(String.self, column: "action") }
            #expect(events == ["pause", "trip", "resume"])
        }
    }
}
