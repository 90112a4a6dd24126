package import Bitrix24
package import Foundation
package import SyncCore

/// What to do with a message whose portal call failed, decided by the portal's error code and the contract's row.
package enum FailureDisposition: Sendable, Equatable {
    /// Retry after the contract's backoff: retry number `attempt` (1-based).
    case retry(attempt: Int)
    /// Wait at least `milliseconds` without spending an attempt (rate or operating-time limit, a busy item).
    case hold(milliseconds: Int)
    /// Permanent, or out of retries: the dead-letter queue.
    case deadLetter

    /// Decides for an error after `attemptsSpent` retries under `policy`.
    ///
    /// - `OPERATION_TIME_LIMIT` holds until `operating_reset_at` (seed: it blocks one method for a while, and burning
    ///   retries on it only dead-letters good changes);
    /// - the contract's retryable errors (`503` covers `QUERY_LIMIT_EXCEEDED`; `network` covers timeouts and
    ///   dropped connections) and `INTERNAL_SERVER_ERROR` (the write is checked on the portal before it is sent
    ///   again) retry until the row's maximum;
    /// - everything else (validation, access, not found) is permanent.
    package static func decide(
        for error: Bitrix24Error,
        attemptsSpent: Int,
        policy: RetryPolicy,
        now: Date = Date()
    ) -> FailureDisposition {
        if error.code == .operationTimeLimit {
            let resetAt = error.operatingResetAt ?? now.addingTimeInterval(60)
            return .hold(milliseconds: max(1000, Int(resetAt.timeIntervalSince(now) * 1000)))
        }
        let retryable =
            policy.retryableErrors.contains { error.matches(retryableToken: $0) }
            || error.code == .internalServerError
        guard retryable else { return .deadLetter }
        return policy.allowsRetry(afterAttempt: attemptsSpent + 1) ? .retry(attempt: attemptsSpent + 1) : .deadLetter
    }
}
