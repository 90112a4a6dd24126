internal import Synchronization

/// Resumes one waiter once every one of `count` confirms has arrived, or at the first failure (later outcomes are
/// ignored): the completion shared by the messages of one ``AMQPPublisher/publishInOrder(_:)``.
final class ConfirmCountdown: Sendable {
    private struct State {
        var remaining: Int
        var continuation: CheckedContinuation<Void, any Error>?
    }

    private let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<Void, any Error>) {
        state = Mutex(State(remaining: count, continuation: continuation))
    }

    /// One message's outcome: nil when confirmed.
    func complete(_ error: AMQPError?) {
        let waiter = state.withLock { state -> (CheckedContinuation<Void, any Error>, AMQPError?)? in
            guard let continuation = state.continuation else { return nil }
            if error == nil {
                state.remaining -= 1
                guard state.remaining == 0 else { return nil }
            }
            state.continuation = nil
            return (continuation, error)
        }
        guard let (continuation, error) = waiter else { return }
        if let error { continuation.resume(throwing: error) } else { continuation.resume() }
    }
}
