import FleetRuntime
import Foundation
import PQClient
import SyncCore
import TestSupport
import Testing

/// An OAuth portal's access token expiring under the write path: the write is answered `expired_token`, the token
/// is renewed once for the fleet, and the change is written with the new one without spending an attempt.
@Suite("OAuth writes", .timeLimit(.minutes(2)))
struct WriteTokenRenewalTests {
    @Test("an upsert answered expired_token renews the token once and is written, no attempt spent")
    func expiredTokenOnWrite() async throws {
        try await PortalSideHarness.run { harness in
            let identity = harness.portals.addPortal("oauth-w-\(UUID().uuidString.prefix(8).lowercased()).test")
            let installed = try await harness.installOAuthPortal(identity)
            try await harness.withWorkers(upserts: true) {
                try await harness.publishUpsert(portal: identity.domain, originId: "W-1", fields: ["title": "first"])
                try await harness.eventually("the first deal is synced") {
                    try await harness.outcomes(portal: identity.domain).contains {
                        $0.kind == .synced && $0.originId == "W-1"
                    }
                }
                #expect(harness.portals.refreshes(identity.domain) == 0)

                harness.portals.expireTokens(identity.domain)
                try await harness.publishUpsert(portal: identity.domain, originId: "W-2", fields: ["title": "second"])
                do {
                    try await harness.eventually("the second deal is synced with a renewed token") {
                        try await harness.outcomes(portal: identity.domain).contains {
                            $0.kind == .synced && $0.originId == "W-2"
                        }
                    }
                } catch {
                    let rows = try await harness.pool.query(
                        """
                        SELECT status || ' ' || coalesce(error_code, '-') || ' ' || coalesce(error_message, '-') AS row
                        FROM sync_ledger WHERE portal = \(identity.domain) AND operation = 'upsert'
                        """
                    ).map { try $0.decode(String.self, column: "row") }
                    Issue.record("ledger: \(rows); refreshes: \(harness.portals.refreshes(identity.domain))")
                    throw error
                }
            }
            #expect(harness.portals.refreshes(identity.domain) == 1, "one refresh for the fleet")
            let rows = try await harness.pool.query(
                """
                SELECT status, attempts FROM sync_ledger
                WHERE portal = \(identity.domain) AND origin_id = 'W-2' AND operation = 'upsert'
                """
            )
            #expect(try rows.map { try $0.decode(String.self, column: "status") } == ["done"])
            #expect(try rows.map { try $0.decode(Int.self, column: "attempts") } == [0], "no attempt spent")
            let stored = try await harness.pool.query(
                "SELECT access_token FROM portals WHERE domain = \(identity.domain)"
            ).first?.decode(String?.self, column: "access_token")
            #expect(stored != nil && stored != installed.access, "the renewed token is stored for the fleet")
            #expect(try await harness.depth("sync.upsert.dead") == 0)
        }
    }
}
