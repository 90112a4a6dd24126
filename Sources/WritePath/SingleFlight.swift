import Synchronization

/// One fetch per key at a time within a process: callers that arrive while a fetch for their key runs wait for its
/// result instead of asking the portal again (on a rate-limited portal every request counts; at start every lane
/// of a worker wants the same answer at once).
package final class SingleFlight<Value: Sendable>: Sendable {
    private typealias Waiter = CheckedContinuation<Result<Value, any Error>?, Never>

    /// Waiters by key; a key is present while its fetch runs.
    private let waiting = Mutex<[String: [Waiter]]>([:])

    package init() {}

    /// Runs `fetch` unless a fetch for `key` is already running, in which case its result (or error) is returned.
    package func run(_ key: String, _ fetch: () async throws -> Value) async throws -> Value {
        let joined: Result<Value, any Error>? = await withCheckedContinuation { (waiter: Waiter) in
            let leads = waiting.withLock { waiting in
                if waiting[key] != nil {
                    waiting[key, default: []].append(waiter)
                    return false
                }
                waiting[key] = []
                return true
            }
            if leads { waiter.resume(returning: nil) }
        }
        if let joined { return try joined.get() }
        let result: Result<Value, any Error>
        do {
            result = .success(try await fetch())
        } catch {
            result = .failure(error)
        }
        let waiters = waiting.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiters { waiter.resume(returning: result) }
        return try result.get()
    }
}
