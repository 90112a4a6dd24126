import Testing

@testable import AMQPClient

/// The shared completion of an in-order publish: it resumes once, after the last confirm or at the first failure.
@Suite("Confirm countdown")
struct ConfirmCountdownTests {
    @Test func resumesAfterTheLastConfirm() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let countdown = ConfirmCountdown(count: 3, continuation: continuation)
            for _ in 0..<3 { countdown.complete(nil) }
            countdown.complete(nil)  // a stray outcome after the end changes nothing (a second resume would trap)
        }
    }

    @Test func theFirstFailureThrowsAndLaterOutcomesAreIgnored() async {
        let error = await #expect(throws: AMQPError.self) {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let countdown = ConfirmCountdown(count: 3, continuation: continuation)
                countdown.complete(nil)
                countdown.complete(AMQPError(.publishNacked, "refused"))
                countdown.complete(nil)
                countdown.complete(AMQPError(.connectionLost, "gone"))
            }
        }
        #expect(error?.code == .publishNacked)
    }
}
