import Bitrix24
package import CurlHTTP
import Foundation
package import PQClient
import StructuredLogging
import Synchronization

/// Finds the registered portal a message names, and keeps it for a short while: registrations change rarely, and
/// a worker must not ask PostgreSQL for every message. Every credential it loads is registered for log redaction.
package final class PortalDirectory: Sendable {
    private struct Entry {
        var registration: PortalRegistration?
        var connection: PortalConnection?
        var loadedAt: ContinuousClock.Instant
    }

    private let registry: PortalRegistry
    private let http: CurlHTTPClient
    private let freshness: Duration
    private let entries = Mutex<[String: Entry]>([:])

    package init(pool: PQPool, http: CurlHTTPClient, freshness: Duration = .seconds(30)) {
        self.registry = PortalRegistry(pool: pool)
        self.http = http
        self.freshness = freshness
    }

    /// The portal registered as `domain`, ready to call, or nil when none is (or it is disabled, or it cannot be
    /// called yet: see ``registration(for:)``).
    package func connection(for domain: String) async throws -> PortalConnection? {
        try await entry(for: domain).connection
    }

    /// The registration of `domain`, callable or not (an OAuth portal has no credentials until its install event).
    package func registration(for domain: String) async throws -> PortalRegistration? {
        try await entry(for: domain).registration
    }

    private func entry(for domain: String) async throws -> Entry {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[domain] }), now - entry.loadedAt < freshness { return entry }
        let registration = try await registry.find(domain: domain)
        let entry = Entry(registration: registration, connection: registration.flatMap(makeConnection), loadedAt: now)
        entries.withLock { $0[domain] = entry }
        return entry
    }

    /// Forgets cached registrations, e.g. after `syncctl portal add` in a test.
    package func invalidate() {
        entries.withLock { $0.removeAll() }
    }

    private func makeConnection(_ registration: PortalRegistration) -> PortalConnection? {
        guard registration.enabled, !registration.uninstalled else { return nil }
        let credentials: Bitrix24Credentials
        if let webhookURL = registration.webhookURL {
            credentials = .webhook(baseURL: webhookURL)
        } else if let endpoint = registration.clientEndpoint, let accessToken = registration.accessToken {
            // An OAuth portal, callable once its install event stored the tokens.
            credentials = .oauth(clientEndpoint: endpoint, accessToken: accessToken)
        } else {
            return nil
        }
        for secret in registration.secrets { SecretRedactor.shared.register(secret) }
        return PortalConnection(
            registration: registration,
            client: Bitrix24Client(credentials: credentials, http: http),
            limit: PortalRequestBudget.Limit.forPlan(registration.plan)
        )
    }
}
