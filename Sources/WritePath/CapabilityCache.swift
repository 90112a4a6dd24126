import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore
import Synchronization

/// Each portal's ``PortalCapabilities``, asked once per process and again after ``maximumAge`` (seed §3: the
/// capability check at start), shared by the decoder and the processors of one worker.
///
/// The check is `scope` and `method.get` for every method of the contract's matrix (and, for a portal flagged
/// `crm_legacy_bridge`, their `crm.deal.*` twins), sent as one `batch` through the fleet's ``PortalRequestBudget``,
/// so that on a rate-limited portal it costs one request per replica. Concurrent callers for one portal share one
/// check.
/// When a refresh fails, the previous answer stays in use for a while.
package final class CapabilityCache: Sendable {
    /// How long an answer is trusted before the portal is asked again.
    package static let defaultMaximumAge: Duration = .seconds(600)
    /// How long a message held for a missing capability waits before it is looked at again (the delay queues cap it
    /// at their longest delay).
    package static let holdMilliseconds = 600_000
    /// After a failed refresh, how long the previous answer is used before the portal is asked again.
    private static let retryAfterFailure: Duration = .seconds(30)

    private struct Entry {
        var capabilities: PortalCapabilities
        var expiresAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Keys whose shared answer proved wrong (``invalidate(_:)``): the next check asks the portal itself.
        var distrusted: Set<String> = []
        /// Callers waiting for a check in flight, by cache key; present while the check runs.
        var waiting: [String: [CheckedContinuation<PortalCapabilities, any Error>]] = [:]
    }

    private enum Step {
        case ready(PortalCapabilities)
        case wait
        case check(previous: PortalCapabilities?)
    }

    package let matrix: [Capability]
    package let maximumAge: Duration
    private let budget: PortalRequestBudget
    /// Where replicas share their answers (table `portal_capabilities`); nil keeps each process to itself.
    private let pool: PQPool?
    private let logger: Logger
    private let state = Mutex(State())

    /// - Parameters:
    ///   - matrix: the contract's capability rows (`IntegrationContract.capabilities`).
    ///   - budget: the fleet-wide request budget every check call draws from.
    ///   - pool: when given, an answer another replica stored less than `maximumAge` ago is used instead of asking
    ///     the portal again.
    package init(
        matrix: [Capability],
        budget: PortalRequestBudget,
        sharedThrough pool: PQPool? = nil,
        maximumAge: Duration = defaultMaximumAge,
        logger: Logger
    ) {
        self.matrix = matrix
        self.budget = budget
        self.pool = pool
        self.maximumAge = maximumAge
        self.logger = logger
    }

    /// The portal's write plan (see ``PortalCapabilities/plan(matrix:)``).
    ///
    /// - Throws: ``Bitrix24Error`` when the portal could not be asked and no earlier answer exists; callers treat
    ///   that as transient.
    package func plan(for portal: PortalConnection) async throws -> WritePlan {
        try await capabilities(of: portal).plan(matrix: matrix)
    }

    /// The portal's capabilities, from memory while fresh, else from the portal.
    package func capabilities(of portal: PortalConnection) async throws -> PortalCapabilities {
        let key = Self.key(portal)
        let now = ContinuousClock.now
        let step: Step = state.withLock { state in
            if let entry = state.entries[key], now < entry.expiresAt { return .ready(entry.capabilities) }
            if state.waiting[key] != nil { return .wait }
            state.waiting[key] = []
            return .check(previous: state.entries[key]?.capabilities)
        }
        switch step {
        case .ready(let capabilities):
            return capabilities
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                let late: Result<PortalCapabilities, any Error>? = state.withLock { state in
                    if state.waiting[key] != nil {
                        state.waiting[key, default: []].append(continuation)
                        return nil
                    }
                    // The check finished between the two locks: take its answer, or fail this message for now.
                    if let entry = state.entries[key] { return .success(entry.capabilities) }
                    return .failure(
                        Bitrix24Error(
                            code: .other,
                            message: "the capability check of \(portal.domain) failed in another task; retry"
                        )
                    )
                }
                if let late { continuation.resume(with: late) }
            }
        case .check(let previous):
            let result: Result<PortalCapabilities, any Error>
            var expiresAt = ContinuousClock.now + maximumAge
            do {
                result = .success(try await check(portal))
            } catch {
                guard let previous else {
                    result = .failure(error)
                    return try finish(key, result, expiresAt: expiresAt)
                }
                logger.warning(
                    "capability check failed; keeping the previous answer",
                    metadata: ["portal": "\(portal.domain)", "error": "\(error)"]
                )
                result = .success(previous)
                expiresAt = ContinuousClock.now + Self.retryAfterFailure
            }
            return try finish(key, result, expiresAt: expiresAt)
        }
    }

    /// Stores a check's answer (if any) and hands it to every caller that waited for it.
    private func finish(
        _ key: String,
        _ result: Result<PortalCapabilities, any Error>,
        expiresAt: ContinuousClock.Instant
    ) throws -> PortalCapabilities {
        let waiters = state.withLock { state in
            if case .success(let capabilities) = result {
                state.entries[key] = Entry(capabilities: capabilities, expiresAt: expiresAt)
            }
            return state.waiting.removeValue(forKey: key) ?? []
        }
        for waiter in waiters { waiter.resume(with: result) }
        return try result.get()
    }

    /// Forgets `portal`'s answer, so the next message asks again (after a write answered `ERROR_METHOD_NOT_FOUND`).
    package func invalidate(_ portal: PortalConnection) {
        let key = Self.key(portal)
        state.withLock { state in
            state.entries.removeValue(forKey: key)
            state.distrusted.insert(key)
        }
    }

    /// The flag is part of the key: re-registering a portal with or without the bridge changes what is asked.
    private static func key(_ portal: PortalConnection) -> String {
        "\(portal.domain)|\(portal.registration.legacyBridge)"
    }

    /// The fleet's shared answer when fresh, else a check of the portal stored for the others; replicas checking
    /// at once take turns on an advisory lock, so only the first asks.
    private func check(_ portal: PortalConnection) async throws -> PortalCapabilities {
        guard let pool else { return try await ask(portal) }
        let legacy = portal.registration.legacyBridge
        let maximumSeconds = Double(maximumAge.components.seconds)
        // The wait polls (a waiter holds no thread of the blocking pool that the first replica's call needs).
        return try await pool.withConnection { connection in
            try await connection.withAdvisoryLock(named: "capabilities|" + Self.key(portal)) { connection in
                let stored = try await connection.query(
                    """
                    SELECT json_build_object('scopes', scopes, 'methods', methods, 'legacyBridge', legacy_bridge)::text
                      AS answer
                    FROM portal_capabilities
                    WHERE portal = \(portal.domain) AND legacy_bridge = \(legacy)
                      AND checked_at > now() - make_interval(secs => \(maximumSeconds))
                    """
                )
                let distrusted = state.withLock { $0.distrusted.remove(Self.key(portal)) != nil }
                if !distrusted, let row = stored.first {
                    let text = try row.decode(String.self, column: "answer")
                    return try JSONDecoder().decode(PortalCapabilities.self, from: Data(text.utf8))
                }
                let capabilities = try await ask(portal)
                let encoded = try JSONEncoder().encode(capabilities)
                let answer = try JSONValue(parsing: Array(encoded))
                try await connection.execute(
                    """
                    INSERT INTO portal_capabilities (portal, legacy_bridge, scopes, methods, checked_at)
                    VALUES (\(portal.domain), \(legacy), \(answer["scopes"]?.compactString ?? "[]")::jsonb,
                            \(answer["methods"]?.compactString ?? "{}")::jsonb, now())
                    ON CONFLICT (portal, legacy_bridge)
                    DO UPDATE SET scopes = EXCLUDED.scopes, methods = EXCLUDED.methods, checked_at = now()
                    """
                )
                return capabilities
            }
        }
    }

    /// `scope` and `method.get` for the matrix, in one `batch` request.
    private func ask(_ portal: PortalConnection) async throws -> PortalCapabilities {
        var names = matrix.map(\.method)
        if portal.registration.legacyBridge { names += matrix.map { PortalCapabilities.legacyName(of: $0.method) } }
        var seen = Set<String>()
        names = names.filter { seen.insert($0).inserted }
        // One request asks everything: on a portal with a request limit, the check costs one unit of the budget.
        let commands =
            [Bitrix24BatchCommand(name: "scope", method: "scope", params: JSONObject())]
            + names.enumerated().map { index, name in
                Bitrix24BatchCommand(
                    name: "method\(index)",
                    method: "method.get",
                    params: ["name": .string(name.lowercased())]
                )
            }
        try await budget.acquire(portal: portal.domain, limit: portal.limit)
        let response = try await portal.client.batch(commands)
        let answer = try response.outcome(of: "scope").get()
        guard let granted = answer.result.arrayValue else {
            throw Bitrix24Error(
                code: .malformedResponse,
                message: "scope answered \(answer.result.compactString) instead of a list of scopes"
            )
        }
        let scopes = Set(granted.compactMap(\.stringValue))
        var methods: [String: Bool] = [:]
        guard scopes.contains(PortalCapabilities.requiredScope) else {
            return PortalCapabilities(scopes: scopes, methods: methods, legacyBridge: portal.registration.legacyBridge)
        }
        for (index, name) in names.enumerated() {
            let answer = try response.outcome(of: "method\(index)").get()
            methods[name] = answer.result["isAvailable"]?.boolValue ?? false
        }
        let capabilities = PortalCapabilities(
            scopes: scopes,
            methods: methods,
            legacyBridge: portal.registration.legacyBridge
        )
        logger.info(
            "portal capabilities checked",
            metadata: [
                "portal": "\(portal.domain)",
                "missing": "\(methods.filter { !$0.value }.keys.sorted().joined(separator: ","))",
            ]
        )
        return capabilities
    }
}
