import AMQPClient
import CurlHTTP
import EventGateway
import FleetRuntime
import Foundation
import PQClient
import PullPath
import StructuredLogging
import SyncCore
import TestSupport
import Testing

@Suite("Offline events and secrets", .serialized)
struct OfflineAndSecretsTests {
    @Test("offline events are read with clear=0, queued for pull, then cleared; the change reaches b24.changes")
    func offlineEvents() async throws {
        try await PortalSideHarness.run { harness in
            let identity = harness.portals.addPortal("offline-\(UUID().uuidString.prefix(8).lowercased()).test")
            let tokens = try await harness.installOAuthPortal(identity)
            let bind = try await harness.http.execute(
                .postJSON(
                    identity.clientEndpoint + "event.bind.json",
                    body: JSONValue.object([
                        "event": "ONCRMDEALUPDATE", "event_type": "offline", "auth": .string(tokens.access),
                    ]).compactBytes
                )
            )
            #expect(bind.status == 200, "event.bind answered \(bind.bodyString)")
            let id = try harness.portals.seed(identity.domain, count: 1)
            try await harness.withWorkers {
                try harness.portals.userEdit(identity.domain, id: id, title: "Edited while offline")
                #expect(harness.portals.offlineQueueCount(identity.domain) == 1)
                let reader = OfflineEventReader(
                    pool: harness.pool,
                    portals: PortalDirectory(pool: harness.pool, http: harness.http),
                    events: PortalEventPublisher(publisher: harness.publisher),
                    tokens: OAuthTokenRefresher(pool: harness.pool, http: harness.http, logger: harness.logger),
                    logger: harness.logger
                )
                #expect(try await reader.readAll() == 1)
                #expect(harness.portals.offlineQueueCount(identity.domain) == 0, "read records are cleared")
                try await harness.eventually("the offline change reaches b24.changes") {
                    try await harness.outcomes(portal: identity.domain).contains {
                        $0.kind == .changed && $0.item?["title"]?.stringValue == "Edited while offline"
                    }
                }
            }
        }
    }

    @Test("no token, secret or webhook code appears in any log line, metric or outcome of the whole flow")
    func secretsStayOut() async throws {
        try await PortalSideHarness.run { harness in
            // A webhook portal and an OAuth portal, both with events bound to the gateway.
            let webhookPortal = try await harness.makePortal()
            try await harness.bindDealEvents(webhookPortal)
            let oauth = harness.portals.addPortal("secret-\(UUID().uuidString.prefix(8).lowercased()).test")
            let installed = try await harness.installOAuthPortal(oauth)
            try await harness.bindDealEvents(oauth)
            let webhookDeal = try harness.portals.seed(webhookPortal.domain, count: 1)
            let oauthDeal = try harness.portals.seed(oauth.domain, count: 1)
            let wrongToken = "wrong-\(UUID().uuidString.lowercased())"
            let refused = try await harness.post(
                "/hooks/crm/deal-update",
                EventForm.body(
                    event: "ONCRMDEALUPDATE",
                    id: 1,
                    ts: 1_780_000_000,
                    domain: oauth.domain,
                    memberID: oauth.memberID,
                    applicationToken: wrongToken,
                    accessToken: installed.access
                )
            )
            #expect(refused == 403)
            // The access token expires: the pull worker must refresh it (a new pair) to fetch the edit.
            harness.portals.expireTokens(oauth.domain)
            try await harness.withWorkers {
                try harness.portals.userEdit(webhookPortal.domain, id: webhookDeal, title: "Webhook edit")
                try harness.portals.userEdit(oauth.domain, id: oauthDeal, title: "OAuth edit")
                try await harness.eventually("both edits reach b24.changes") {
                    let webhookChanged = try await harness.outcomes(portal: webhookPortal.domain).contains {
                        $0.kind == .changed
                    }
                    let oauthChanged = try await harness.outcomes(portal: oauth.domain).contains { $0.kind == .changed }
                    return webhookChanged && oauthChanged
                }
            }
            let refreshed = try #require(
                try await harness.pool.query(
                    "SELECT access_token, refresh_token FROM portals WHERE domain = \(oauth.domain)"
                ).first
            )
            let webhookCode = try #require(webhookPortal.webhookURL.split(separator: "/").last.map(String.init))
            let secrets = [
                webhookCode, webhookPortal.applicationToken, oauth.applicationToken, oauth.clientSecret,
                installed.access, installed.refresh, wrongToken,
                try refreshed.decode(String.self, column: "access_token"),
                try refreshed.decode(String.self, column: "refresh_token"),
            ]
            #expect(installed.access != secrets[7], "the flow refreshed the OAuth token")
            let lines = harness.logs.lines
            #expect(lines.count > 20, "the flow logged (\(lines.count) lines)")
            #expect(lines.contains { $0.contains("OAuth token refreshed") })
            #expect(lines.contains { $0.contains("security: event refused") })
            let outcomes = harness.outcomesQueue.collected.map { $0.jsonValue.compactString }
            for secret in secrets {
                #expect(!lines.contains { $0.contains(secret) }, "a log line shows a secret")
                #expect(!harness.metrics.text.contains(secret), "a metric shows a secret")
                #expect(!outcomes.contains { $0.contains(secret) }, "a b24.changes message shows a secret")
            }
        }
    }
}
