/// How often and how long an operation retries, read from the contract's row for it.
///
/// Attempts are numbered from 1 (the first retry). The delay doubles from ``minDelay`` and is capped at
/// ``maxDelay``; with ``jitter`` the actual wait is drawn from the upper half of that delay, never below
/// ``minDelay``, so replicas that failed together do not retry together.
package struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first try; past this the message goes to the dead-letter queue.
    package var maxRetries: Int
    package var minDelay: Duration
    package var maxDelay: Duration
    package var jitter: Bool
    /// Error names that may be retried, exactly as the contract spells them (`503`, `network`,
    /// `QUERY_LIMIT_EXCEEDED`, `timeout`, `broker unavailable`).
    package var retryableErrors: [String]

    package init(maxRetries: Int, minDelay: Duration, maxDelay: Duration, jitter: Bool, retryableErrors: [String]) {
        self.maxRetries = maxRetries
        self.minDelay = minDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.retryableErrors = retryableErrors
    }

    /// The delay before retry number `attempt`: `minDelay * 2^(attempt-1)`, capped at `maxDelay`.
    ///
    /// Pure and deterministic; attempts below 1 count as 1.
    package func delay(forAttempt attempt: Int) -> Duration {
        let exponent = max(attempt, 1) - 1
        let minimum = milliseconds(minDelay)
        let maximum = milliseconds(maxDelay)
        guard exponent < 62, minimum > 0 else { return maxDelay }
        let (product, overflow) = minimum.multipliedReportingOverflow(by: Int64(1) << exponent)
        if overflow || product >= maximum { return maxDelay }
        return .milliseconds(product)
    }

    /// ``delay(forAttempt:)`` with jitter: uniform in [delay/2, delay], raised to at least ``minDelay``.
    ///
    /// Always inside [minDelay, maxDelay]. Without ``jitter`` it is ``delay(forAttempt:)``.
    package func jitteredDelay(forAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let base = milliseconds(delay(forAttempt: attempt))
        guard jitter else { return .milliseconds(base) }
        let lower = max(base / 2, milliseconds(minDelay))
        guard lower < base else { return .milliseconds(base) }
        return .milliseconds(Int64.random(in: lower...base, using: &generator))
    }

    /// ``jitteredDelay(forAttempt:using:)`` with the system's random generator.
    package func jitteredDelay(forAttempt attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return jitteredDelay(forAttempt: attempt, using: &generator)
    }

    /// Whether a message that has failed `attempt` times may be tried again.
    package func allowsRetry(afterAttempt attempt: Int) -> Bool {
        attempt <= maxRetries
    }

    /// Whether the contract lists `error` (e.g. `503`, `QUERY_LIMIT_EXCEEDED`) as retryable; case-insensitive.
    package func isRetryable(_ error: String) -> Bool {
        retryableErrors.contains { $0.lowercased() == error.lowercased() }
    }

    private func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
