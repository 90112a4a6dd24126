package import SyncCore

/// Where a retried message waits: the contract's exponential backoff for each attempt, spread over the topology's
/// jitter steps, each step a queue of its own with a fixed TTL (`sync.upsert.retry.3400ms`).
///
/// Delays are whole milliseconds, clamped to the contract's bounds, so the set of delay queues is finite and the
/// same on every replica: `syncctl setup` declares exactly the queues that workers publish to.
package struct RetrySchedule: Sendable, Equatable {
    package var workQueue: String
    package var maxRetries: Int
    /// For attempt `n` (1-based), `delays[n - 1]` holds the distinct jittered delays in milliseconds, ascending.
    package var delays: [[Int]]
    private var suffix: String

    package init(workQueue: String, policy: RetryPolicy, jitterSteps: [Double], suffix: String) {
        self.workQueue = workQueue
        self.maxRetries = policy.maxRetries
        self.suffix = suffix
        let lowest = Self.milliseconds(policy.minDelay)
        let highest = Self.milliseconds(policy.maxDelay)
        self.delays = (1...max(policy.maxRetries, 1)).map { attempt in
            let base = Double(Self.milliseconds(policy.delay(forAttempt: attempt)))
            let steps = jitterSteps.isEmpty ? [1.0] : jitterSteps
            let jittered = steps.map { min(max(Int((base * $0).rounded()), lowest), highest) }
            return Array(Set(jittered)).sorted()
        }
    }

    /// Every delay queue this schedule uses, each once.
    package var allDelays: [Int] {
        Array(Set(delays.joined())).sorted()
    }

    /// The name of the queue that holds messages for `milliseconds` before they return to the work queue.
    package func queueName(delayMilliseconds milliseconds: Int) -> String {
        "\(workQueue)\(suffix).\(milliseconds)ms"
    }

    /// A delay for retry number `attempt` (1-based), one of its jitter steps picked at random.
    package func delay(forAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Int {
        let row = delays[min(max(attempt, 1), delays.count) - 1]
        return row.randomElement(using: &generator) ?? row[0]
    }

    /// The smallest delay queue that waits at least `milliseconds` (for holds such as `operating_reset_at`), or
    /// the longest one when none is that long: the worker then holds the message again when it comes back.
    package func holdingDelay(atLeast milliseconds: Int) -> Int {
        let all = allDelays
        return all.first { $0 >= milliseconds } ?? all[all.count - 1]
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
