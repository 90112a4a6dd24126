import Foundation
package import PQClient

/// What the gateway needs of a registered portal to check an event: found by `member_id`, else by domain.
package struct GatewayPortal: Sendable, Equatable {
    package var domain: String
    package var memberID: String?
    package var applicationToken: String?
    package var entityTypes: [String: Int]
    package var enabled: Bool
    package var uninstalled: Bool

    /// The ERP entity name of `entityTypeId` on this portal, or `type<id>` for a type the portal does not map.
    package func entity(of entityTypeId: Int) -> String {
        entityTypes.first { $0.value == entityTypeId }?.key ?? "type\(entityTypeId)"
    }

    /// The portal registered with `memberID` (preferred: it survives renames), else with `domain`.
    package static func find(memberID: String?, domain: String?, pool: PQPool) async throws -> GatewayPortal? {
        guard memberID != nil || domain != nil else { return nil }
        let rows = try await pool.query(
            """
            SELECT domain, member_id, application_token, entity_types, enabled,
                   uninstalled_at IS NOT NULL AS uninstalled
            FROM portals WHERE member_id = \(memberID) OR domain = \(domain)
            ORDER BY (member_id IS NOT DISTINCT FROM \(memberID)) DESC LIMIT 1
            """
        )
        guard let row = rows.first else { return nil }
        return GatewayPortal(
            domain: try row.decode(String.self, column: "domain"),
            memberID: try row.decode(String?.self, column: "member_id"),
            applicationToken: try row.decode(String?.self, column: "application_token"),
            entityTypes: try row.decode(PQJSON.self, column: "entity_types").decode([String: Int].self),
            enabled: try row.decode(Bool.self, column: "enabled"),
            uninstalled: try row.decode(Bool.self, column: "uninstalled")
        )
    }
}
