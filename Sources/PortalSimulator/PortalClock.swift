internal import Glibc
import Synchronization

/// Wall-clock time in Unix seconds, injectable so tests can drive rate limits and token expiry without sleeping.
package protocol PortalClock: Sendable {
    /// Seconds since 1970, with a fractional part.
    func now() -> Double
}

/// The real clock.
package struct SystemPortalClock: PortalClock {
    package init() {}

    package func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}

/// A clock that only moves when a test moves it.
package final class ManualPortalClock: PortalClock {
    private let current: Mutex<Double>

    package init(start: Double = 1_772_000_000) {
        current = Mutex(start)
    }

    package func now() -> Double {
        current.withLock { $0 }
    }

    /// Moves time forward by `seconds`.
    package func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }
}
