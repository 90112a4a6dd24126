import Foundation
package import PQClient

/// The `portals` table: registering, listing and removing the portals the fleet syncs.
package struct PortalRegistry: Sendable {
    private let pool: PQPool

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// Registers `portal`, or updates its registration when the domain is known.
    package func save(_ portal: PortalRegistration) async throws {
        let entityTypes = try PQJSON(encoding: portal.entityTypes)
        try await pool.execute(
            """
            INSERT INTO portals (domain, member_id, webhook_url, application_token, client_id, client_secret,
                                 oauth_server, entity_types, legacy_bridge, plan, enabled)
            VALUES (\(portal.domain), \(portal.memberID), \(portal.webhookURL), \(portal.applicationToken),
                    \(portal.clientID), \(portal.clientSecret), \(portal.oauthServer), \(entityTypes)::jsonb,
                    \(portal.legacyBridge), \(portal.plan.rawValue), \(portal.enabled))
            ON CONFLICT (domain) DO UPDATE SET
                member_id = EXCLUDED.member_id, webhook_url = EXCLUDED.webhook_url,
                application_token = EXCLUDED.application_token, client_id = EXCLUDED.client_id,
                client_secret = EXCLUDED.client_secret, oauth_server = EXCLUDED.oauth_server,
                entity_types = EXCLUDED.entity_types, legacy_bridge = EXCLUDED.legacy_bridge,
                plan = EXCLUDED.plan, enabled = EXCLUDED.enabled, updated_at = now()
            """
        )
    }

    package func all() async throws -> [PortalRegistration] {
        try await pool.query("\(unescaped: Self.selectColumns) ORDER BY domain").map(Self.registration)
    }

    package func find(domain: String) async throws -> PortalRegistration? {
        try await pool.query("\(unescaped: Self.selectColumns) WHERE domain = \(domain)").first.map(Self.registration)
    }

    /// Removes the registration; returns false when no portal had that domain.
    @discardableResult
    package func remove(domain: String) async throws -> Bool {
        try await pool.execute("DELETE FROM portals WHERE domain = \(domain)") > 0
    }

    /// Forgets everything the fleet recorded about `domain`'s items (ledger, item map, tombstones, field cache,
    /// request budget): for a portal that was reset or replaced, whose item ids no longer mean what they did.
    package func purgeRecords(domain: String) async throws {
        try await pool.withTransaction { connection in
            for table in [
                "sync_ledger", "item_map", "item_tombstones", "field_schema_cache", "portal_request_budget",
                "portal_method_hold", "write_outcomes", "stage_requirements",
            ] {
                try await connection.execute("DELETE FROM \(identifier: table) WHERE portal = \(domain)")
            }
        }
    }

    private static let selectColumns = """
        SELECT domain, member_id, webhook_url, application_token, client_id, client_secret, oauth_server,
               entity_types, legacy_bridge, plan, enabled, client_endpoint, access_token, refresh_token,
               uninstalled_at IS NOT NULL AS uninstalled FROM portals
        """

    private static func registration(_ row: PQRow) throws -> PortalRegistration {
        let planText = try row.decode(String.self, column: "plan")
        return PortalRegistration(
            domain: try row.decode(String.self, column: "domain"),
            memberID: try row.decode(String?.self, column: "member_id"),
            webhookURL: try row.decode(String?.self, column: "webhook_url"),
            applicationToken: try row.decode(String?.self, column: "application_token"),
            clientID: try row.decode(String?.self, column: "client_id"),
            clientSecret: try row.decode(String?.self, column: "client_secret"),
            oauthServer: try row.decode(String?.self, column: "oauth_server"),
            entityTypes: try row.decode(PQJSON.self, column: "entity_types").decode([String: Int].self),
            legacyBridge: try row.decode(Bool.self, column: "legacy_bridge"),
            plan: PortalRegistration.Plan(rawValue: planText) ?? .standard,
            enabled: try row.decode(Bool.self, column: "enabled"),
            clientEndpoint: try row.decode(String?.self, column: "client_endpoint"),
            accessToken: try row.decode(String?.self, column: "access_token"),
            refreshToken: try row.decode(String?.self, column: "refresh_token"),
            uninstalled: try row.decode(Bool.self, column: "uninstalled")
        )
    }
}
