/// Per-method resource-time accounting (`limits.md`, "operating"): execution time of each method is kept in
/// one-minute buckets over a rolling 10 minutes; once the sum reaches the budget the NEXT call answers
/// 429 `OPERATION_TIME_LIMIT` until old buckets expire.
package struct OperatingTimeLimiter: Sendable {
    /// Budget and window; the documented example is 480 s per 600 s.
    package struct Limits: Sendable, Equatable {
        package var budgetSeconds: Double
        package var windowSeconds: Double
        package var isEnabled: Bool

        package init(budgetSeconds: Double = 480, windowSeconds: Double = 600, isEnabled: Bool = true) {
            self.budgetSeconds = budgetSeconds
            self.windowSeconds = windowSeconds
            self.isEnabled = isEnabled
        }
    }

    package var limits: Limits
    /// method → bucket index → seconds used in that bucket. The window is ten buckets, as the portal's ten
    /// one-minute buckets make its 10 minutes; a shorter window (for tests) has shorter buckets.
    private var buckets: [String: [Int: Double]] = [:]

    private var bucketWidth: Double { max(limits.windowSeconds / 10, 0.001) }

    package init(limits: Limits) {
        self.limits = limits
    }

    /// True when `method` may run at `now` (the sum is still under the budget).
    package mutating func isAllowed(_ method: String, at now: Double) -> Bool {
        guard limits.isEnabled else { return true }
        return operating(method, at: now) < limits.budgetSeconds
    }

    /// Adds `seconds` of execution time for `method`.
    package mutating func record(_ method: String, seconds: Double, at now: Double) {
        buckets[method, default: [:]][Int(now / bucketWidth), default: 0] += seconds
        prune(method, at: now)
    }

    /// Accumulated seconds for `method` in the window (the envelope's `time.operating`).
    package mutating func operating(_ method: String, at now: Double) -> Double {
        prune(method, at: now)
        return buckets[method]?.values.reduce(0, +) ?? 0
    }

    /// When the oldest bucket drops out of the window (the envelope's `time.operating_reset_at`).
    package mutating func resetAt(_ method: String, at now: Double) -> Int {
        prune(method, at: now)
        let oldest = Double(buckets[method]?.keys.min() ?? Int(now / bucketWidth)) * bucketWidth
        return Int((oldest + limits.windowSeconds).rounded(.up))
    }

    package mutating func reset() {
        buckets = [:]
    }

    private mutating func prune(_ method: String, at now: Double) {
        guard var methodBuckets = buckets[method] else { return }
        methodBuckets = methodBuckets.filter { Double($0.key) * bucketWidth + limits.windowSeconds > now }
        buckets[method] = methodBuckets
    }
}
