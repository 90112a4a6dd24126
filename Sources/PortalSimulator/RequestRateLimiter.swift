/// The portal's leaky bucket (`limits.md`): every request adds one to a counter that drains at
/// `drainPerSecond`; a request that would push it past `capacity` is refused with 503 `QUERY_LIMIT_EXCEEDED`.
package struct RequestRateLimiter: Sendable {
    /// Settings: 2/50 for ordinary cloud plans, 5/250 for Enterprise, none for a box (on-premise) portal.
    package struct Limits: Sendable, Equatable {
        package var drainPerSecond: Double
        package var capacity: Double
        package var isEnabled: Bool

        package init(drainPerSecond: Double, capacity: Double, isEnabled: Bool = true) {
            self.drainPerSecond = drainPerSecond
            self.capacity = capacity
            self.isEnabled = isEnabled
        }

        package static let standard = Limits(drainPerSecond: 2, capacity: 50)
        package static let enterprise = Limits(drainPerSecond: 5, capacity: 250)
        package static let off = Limits(drainPerSecond: 2, capacity: 50, isEnabled: false)
    }

    package var limits: Limits
    private var level: Double = 0
    private var lastUpdate: Double?

    package init(limits: Limits) {
        self.limits = limits
    }

    /// Counts one request at `now`; false when the portal would refuse it (the refused request is not counted).
    package mutating func admit(at now: Double) -> Bool {
        guard limits.isEnabled else { return true }
        if let lastUpdate {
            level = max(0, level - max(0, now - lastUpdate) * limits.drainPerSecond)
        }
        lastUpdate = now
        guard level + 1 <= limits.capacity + 1e-9 else { return false }
        level += 1
        return true
    }

    /// Empties the bucket.
    package mutating func reset() {
        level = 0
        lastUpdate = nil
    }
}
