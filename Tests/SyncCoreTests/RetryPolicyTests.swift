import Foundation
import SyncCore
import TestSupport
import Testing

/// Backoff follows the contract: doubling from the minimum, capped at the maximum, jitter inside the bounds.
@Suite struct RetryPolicyTests {
    let contract: IntegrationContract

    init() throws {
        contract = try IntegrationContract.load(
            from: TestEnvironment.repositoryRoot.appendingPathComponent("schemas/contract.json")
        )
    }

    @Test func upsertDoublesFromTwoAndCapsAtSixty() {
        let policy = contract.retryPolicy(for: .upsert)
        #expect((1...6).map { policy.delay(forAttempt: $0) } == [2, 4, 8, 16, 32, 60].map { Duration.seconds($0) })
        #expect(policy.delay(forAttempt: 40) == .seconds(60))
        #expect(policy.delay(forAttempt: 1000) == .seconds(60))
        #expect(policy.delay(forAttempt: 0) == .seconds(2))
        #expect(policy.maxRetries == 6)
    }

    @Test func deleteCapsAtTwenty() {
        let policy = contract.retryPolicy(for: .delete)
        #expect((1...3).map { policy.delay(forAttempt: $0) } == [2, 4, 8].map { Duration.seconds($0) })
        #expect(policy.delay(forAttempt: 4) == .seconds(16))
        #expect(policy.delay(forAttempt: 5) == .seconds(20))
        #expect(policy.maxRetries == 3)
        #expect(policy.allowsRetry(afterAttempt: 3))
        #expect(!policy.allowsRetry(afterAttempt: 4))
    }

    @Test func jitterStaysInsideTheBoundsAndVaries() {
        var generator = SplitMix64(seed: 42)
        for operation in SyncOperation.allCases {
            let policy = contract.retryPolicy(for: operation)
            #expect(policy.jitter)
            for attempt in 1...10 {
                var seen = Set<Duration>()
                for _ in 0..<500 {
                    let delay = policy.jitteredDelay(forAttempt: attempt, using: &generator)
                    #expect(delay >= policy.minDelay && delay <= policy.maxDelay)
                    #expect(delay <= policy.delay(forAttempt: attempt))
                    seen.insert(delay)
                }
                if policy.delay(forAttempt: attempt) >= policy.minDelay * 2 {
                    #expect(seen.count > 10, "\(operation) attempt \(attempt) should spread its delays")
                }
            }
        }
    }

    @Test func retryableErrorsAreTheContractsSpelling() {
        let upsert = contract.retryPolicy(for: .upsert)
        #expect(upsert.isRetryable("503") && upsert.isRetryable("network") && upsert.isRetryable("NETWORK"))
        #expect(!upsert.isRetryable("QUERY_LIMIT_EXCEEDED") && !upsert.isRetryable("400"))
        let pull = contract.retryPolicy(for: .pull)
        #expect(pull.isRetryable("QUERY_LIMIT_EXCEEDED") && pull.isRetryable("timeout"))
        let event = contract.retryPolicy(for: .event)
        #expect(event.maxRetries == 5 && event.isRetryable("broker unavailable"))
    }
}

/// A seeded generator so jitter tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
