import Synchronization

/// One lane at a time per rate-limited portal within a worker, in arrival order.
///
/// On a portal with a request limit, a second lane in flight buys nothing (the fleet's budget paces every request)
/// but costs requests: lanes that start together each need a look-up request of their own. Taking turns lets the
/// lane holding the turn see the items of the lanes waiting behind it, so its write request looks those up ahead,
/// and every later batch arrives with its answers ready: a stream of new items costs one request per batch.
final class PortalTurns: Sendable {
    private struct Waiter {
        var targets: [PortalLookup.Target]
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct Line {
        var busy = false
        var waiters: [Waiter] = []
    }

    private let lines = Mutex<[String: Line]>([:])

    /// Runs `body` when it is this caller's turn on `portal`; `targets` are the items the caller will need looked
    /// up, shown to the lanes ahead of it meanwhile.
    func withTurn<Result>(
        portal: String,
        targets: [PortalLookup.Target],
        _ body: () async throws -> Result
    ) async throws -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = lines.withLock { lines in
                if lines[portal, default: Line()].busy {
                    lines[portal, default: Line()].waiters.append(Waiter(targets: targets, continuation: continuation))
                    return false
                }
                lines[portal, default: Line()].busy = true
                return true
            }
            if proceed { continuation.resume() }
        }
        defer { passTurn(portal) }
        return try await body()
    }

    /// The items of the lanes waiting for `portal`, the next in line first.
    func waitingTargets(portal: String) -> [PortalLookup.Target] {
        lines.withLock { $0[portal]?.waiters.flatMap(\.targets) ?? [] }
    }

    /// Hands the turn to the first waiter, or frees it.
    private func passTurn(_ portal: String) {
        let next: CheckedContinuation<Void, Never>? = lines.withLock { lines in
            guard var line = lines[portal] else { return nil }
            if line.waiters.isEmpty {
                lines[portal] = nil
                return nil
            }
            let waiter = line.waiters.removeFirst()
            lines[portal] = line
            return waiter.continuation
        }
        next?.resume()
    }
}
