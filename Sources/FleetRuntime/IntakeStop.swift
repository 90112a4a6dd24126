import Synchronization

/// Why one subscription of a ``BatchingConsumer`` stops taking messages; the first request wins.
final class IntakeStop: Sendable {
    enum Reason: Int, Sendable {
        /// SIGTERM or SIGINT: the consumer ends.
        case shutdown = 1
        /// The fleet was paused or tripped: the consumer waits for the gate to open, then subscribes again.
        case intakeClosed = 2
    }

    private let requested = Atomic<Int>(0)

    /// Records `reason` unless a stop was already requested; returns whether this call was first.
    func request(_ reason: Reason) -> Bool {
        requested.compareExchange(expected: 0, desired: reason.rawValue, ordering: .acquiringAndReleasing).exchanged
    }

    var isRequested: Bool { requested.load(ordering: .acquiring) != 0 }

    var reason: Reason? { Reason(rawValue: requested.load(ordering: .acquiring)) }
}
