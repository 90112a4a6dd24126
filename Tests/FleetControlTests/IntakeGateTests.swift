import FleetRuntime
import Testing

/// Unit tests, no services: what the switch means for each kind of consumer, and how the trip reason reads.
@Suite("Intake gate and rollback window")
struct IntakeGateTests {
    @Test("a pause closes every consumer; a trip closes only write consumers")
    func decisions() {
        let running = FleetControlState()
        #expect(IntakeGate.decision(for: running, scope: .writes) == .open)
        #expect(IntakeGate.decision(for: running, scope: .allMessages) == .open)

        let paused = FleetControlState(paused: true, pauseReason: "drill")
        #expect(IntakeGate.decision(for: paused, scope: .writes) == .closed(reason: "fleet paused: drill"))
        #expect(IntakeGate.decision(for: paused, scope: .allMessages) == .closed(reason: "fleet paused: drill"))

        let tripped = FleetControlState(tripped: true, tripReason: "write error rate 5% over 15 min (5/100) > 3%")
        #expect(
            IntakeGate.decision(for: tripped, scope: .writes)
                == .closed(reason: "rollback trigger tripped: write error rate 5% over 15 min (5/100) > 3%")
        )
        #expect(IntakeGate.decision(for: tripped, scope: .allMessages) == .open)
        #expect(!tripped.acceptsWrites && tripped.acceptsMessages && running.acceptsWrites)
        #expect(tripped.summary == "tripped: write error rate 5% over 15 min (5/100) > 3%")
        #expect(running.summary == "running")
    }

    @Test("the trip reason names the rate, the window, the counts and the threshold")
    func tripReason() {
        let window = RollbackWindow(total: 500, failed: 21, windowSeconds: 900)
        #expect(window.tripReason(threshold: 0.03) == "write error rate 4.2% over 15 min (21/500) > 3%")
        #expect(RollbackWindow(total: 0, failed: 0, windowSeconds: 60).errorRate == 0)
        #expect(RollbackWindow.span(seconds: 3600) == "1 h")
        #expect(RollbackWindow.span(seconds: 45) == "45 s")
        #expect(RollbackWindow.percent(0.125) == "12.5%")
    }
}
