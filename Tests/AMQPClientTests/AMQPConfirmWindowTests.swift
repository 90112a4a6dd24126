import Synchronization
import Testing

@testable import AMQPClient

@Suite("Publisher confirm window")
struct AMQPConfirmWindowTests {
    /// Records which publishes completed and how.
    final class Outcomes: Sendable {
        let results = Mutex<[Int: AMQPError.Code?]>([:])

        func pending(_ id: Int, mandatory: Bool = false, routingKey: String = "rk", timeout: Duration = .seconds(30))
            -> AMQPConfirmWindow.Pending
        {
            AMQPConfirmWindow.Pending(
                exchange: "x",
                routingKey: routingKey,
                messageID: nil,
                mandatory: mandatory,
                deadline: .now + timeout,
                complete: { error in self.results.withLock { $0[id] = .some(error?.code) } }
            )
        }

        var snapshot: [Int: AMQPError.Code?] { results.withLock { $0 } }
    }

    @Test func multipleAckSettlesEveryEarlierTagOnly() {
        let outcomes = Outcomes()
        var window = AMQPConfirmWindow()
        for id in 1...4 { window.add(outcomes.pending(id)) }
        window.confirm(tag: 3, multiple: true, acked: true)
        #expect(outcomes.snapshot.count == 3)
        #expect(outcomes.snapshot.values.allSatisfy { $0 == nil })
        #expect(window.count == 1)
        window.confirm(tag: 4, multiple: false, acked: false)
        #expect(outcomes.snapshot[4] == .some(.publishNacked))
        #expect(window.isEmpty)
    }

    @Test func returnTurnsTheFollowingAckIntoUnroutable() {
        let outcomes = Outcomes()
        var window = AMQPConfirmWindow()
        window.add(outcomes.pending(1, mandatory: true, routingKey: "routed"))
        window.add(outcomes.pending(2, mandatory: true, routingKey: "nowhere"))
        window.markReturned(
            AMQPError(.unroutable, "returned"),
            exchange: "x",
            routingKey: "nowhere",
            messageID: nil
        )
        window.confirm(tag: 2, multiple: true, acked: true)
        #expect(outcomes.snapshot[1] == .some(nil))
        #expect(outcomes.snapshot[2] == .some(.unroutable))
    }

    @Test func expiryAndFailAllCompleteEverythingOnceAndRestartTags() {
        let outcomes = Outcomes()
        var window = AMQPConfirmWindow()
        window.add(outcomes.pending(1, timeout: .zero))
        window.add(outcomes.pending(2))
        window.expire(now: .now)
        #expect(outcomes.snapshot[1] == .some(.timeout))
        #expect(outcomes.snapshot[2] == nil)
        window.failAll(AMQPError(.connectionLost, "gone"))
        #expect(outcomes.snapshot[2] == .some(.connectionLost))
        #expect(window.nextTag == 1)
        window.confirm(tag: 2, multiple: true, acked: true)
        #expect(outcomes.snapshot.count == 2)
    }

    /// A connection that dies after every publish was confirmed still restarts the tags: the next channel numbers
    /// from 1, and a window counting on from the old one would settle the wrong publishes (or none, until they
    /// time out).
    @Test func aChannelEndingWithNothingPendingStillRestartsTags() {
        let outcomes = Outcomes()
        let role = AMQPPublisherRole(statistics: AMQPPublisherStatistics())
        for id in 1...3 { role.track(outcomes.pending(id)) }
        role.window.confirm(tag: 3, multiple: true, acked: true)
        #expect(role.window.isEmpty && role.window.nextTag == 4)
        role.sessionEnded(AMQPError(.connectionLost, "gone"))
        #expect(role.window.nextTag == 1)
        role.track(outcomes.pending(4))
        role.window.confirm(tag: 1, multiple: false, acked: true)
        #expect(outcomes.snapshot[4] == .some(nil), "the new channel's first confirm settles its first publish")
    }
}
