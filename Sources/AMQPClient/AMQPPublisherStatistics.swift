import Synchronization

/// Counters a publisher keeps for operators and tests.
final class AMQPPublisherStatistics: Sendable {
    private let peak = Atomic<Int>(0)

    /// The largest number of publishes that awaited a confirm at the same time: above 1 means pipelining works.
    var peakOutstanding: Int { peak.load(ordering: .relaxed) }

    func record(outstanding: Int) {
        peak.max(outstanding, ordering: .relaxed)
    }
}
