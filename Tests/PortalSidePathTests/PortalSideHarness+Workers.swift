import Bitrix24
import FleetRuntime
import Foundation
import PQClient
import PullPath
import ServiceLifecycle
import SyncCore
import TestSupport
import WritePath

extension PortalSideHarness {
    /// Runs a pull worker (its own processing graph, as a replica has), optionally with `pollers` polling-fallback
    /// replicas, and upsert and delete workers when asked, while `body` runs; then shuts them down gracefully.
    func withWorkers<Result: Sendable>(
        upserts: Bool = false,
        deletes: Bool = false,
        pollers: Int = 0,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let portalsDirectory = PortalDirectory(pool: pool, http: http, freshness: .milliseconds(200))
        let pull = try route("pull")
        var services: [any Service] = [
            BatchingConsumer(
                settings: BatchingConsumer.Settings(queue: pull.queue, prefetch: 200, batchSize: 50, lanes: 2),
                configuration: amqp,
                logger: logger,
                process: PullWorkerApplication.makeProcess(
                    contract: contract,
                    pool: pool,
                    http: http,
                    portals: portalsDirectory,
                    publisher: publisher,
                    router: pull.router,
                    logger: logger
                )
            )
        ]
        for replica in 0..<pollers {
            services.append(
                PollingFallback(
                    pool: pool,
                    portals: portalsDirectory,
                    events: PortalEventPublisher(publisher: publisher),
                    interval: contract.pollingInterval,
                    tick: .milliseconds(100),
                    replica: "poller-\(replica)",
                    logger: logger
                )
            )
        }
        for role in [WriteWorkerApplication.Role.upsert, .delete] where role == .upsert ? upserts : deletes {
            services.append(try writeConsumer(role, batchSize: 49, lanes: 1))
        }
        return try await withServices(services, body)
    }

    /// Publishes an `erp.change.v1` upsert (or, without fields, a delete) of a deal as the ERP does.
    func publishUpsert(portal: String, originId: String, fields: JSONValue?) async throws {
        try await publish(
            ERPChange(
                messageId: UUID().uuidString.lowercased(),
                portal: portal,
                entity: "deal",
                op: fields == nil ? .delete : .upsert,
                originId: originId,
                id: nil,
                changedAt: RFC3339Timestamp(secondsSince1970: Date().timeIntervalSince1970),
                fields: fields
            )
        )
    }

    /// Everything published on `b24.changes` since the harness started, for `portal`; each must be a valid
    /// `b24.change.v1`.
    func outcomes(portal: String) async throws -> [B24Change] {
        try await outcomesQueue.outcomes(portal: portal)
    }

    /// Registers `identity` as an OAuth application portal and installs the app through the gateway, as the portal
    /// would post `ONAPPINSTALL`; returns the token pair the install carried.
    func installOAuthPortal(_ identity: PortalSideSimulator.Identity) async throws -> (access: String, refresh: String)
    {
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(
                domain: identity.domain,
                memberID: identity.memberID,
                clientID: identity.clientID,
                clientSecret: identity.clientSecret,
                oauthServer: identity.oauthServer,
                plan: .box
            )
        )
        let tokens = portals.issueTokens(identity.domain)
        let install: JSONObject = [
            "event": "ONAPPINSTALL", "data": ["VERSION": "1", "INSTALLED": "Y"], "ts": "1780000000",
            "auth": [
                "access_token": .string(tokens.access), "refresh_token": .string(tokens.refresh),
                "expires_in": "3600", "domain": .string(identity.domain),
                "client_endpoint": .string(identity.clientEndpoint), "member_id": .string(identity.memberID),
                "application_token": .string(identity.applicationToken),
            ],
        ]
        try await PortalSideSimulator.deliver(
            url: gatewayURL + "/hooks/app/install",
            formBody: Array(Bitrix24QueryEncoding.queryString(install).utf8)
        )
        return tokens
    }

    /// Pull ledger rows of `portal`.
    func pullRows(portal: String) async throws -> Int {
        try await pool.query(
            "SELECT count(*) AS n FROM sync_ledger WHERE portal = \(portal) AND operation = 'pull'"
        ).first?.decode(Int.self, column: "n") ?? 0
    }
}
