import PQClient
package import SyncCore

/// One `sync_ledger` row, reduced to what the tests compare.
package struct LedgerRow: Sendable, Equatable {
    package var originId: String?
    package var status: String
    package var attempts: Int
    package var itemID: Int64?
    package var errorCode: String?
    package var messageID: String?
}

/// Reading what the fleet recorded in PostgreSQL: the ledger and the item map, the tests' evidence of what happened
/// to each change.
extension FleetFixture {
    /// Ledger rows of `portal` for `operation`, oldest first.
    package func ledger(portal: String, operation: SyncOperation = .upsert) async throws -> [LedgerRow] {
        try await pool.query(
            """
            SELECT origin_id, status, attempts, item_id, error_code, message_id FROM sync_ledger
            WHERE portal = \(portal) AND operation = \(operation.rawValue) ORDER BY created_at
            """
        ).map { row in
            LedgerRow(
                originId: try row.decode(String?.self, column: "origin_id"),
                status: try row.decode(String.self, column: "status"),
                attempts: try row.decode(Int.self, column: "attempts"),
                itemID: try row.decode(Int64?.self, column: "item_id"),
                errorCode: try row.decode(String?.self, column: "error_code"),
                messageID: try row.decode(String?.self, column: "message_id")
            )
        }
    }

    /// The message ids whose upsert is settled in the ledger (`done`, `stale` or `superseded`).
    package func settledMessages(portal: String) async throws -> Set<String> {
        let rows = try await pool.query(
            """
            SELECT message_id FROM sync_ledger
            WHERE portal = \(portal) AND operation = 'upsert' AND status IN ('done', 'stale', 'superseded')
            """
        )
        return Set(try rows.compactMap { try $0.decode(String?.self, column: "message_id") })
    }

    /// Ledger rows of `portal` by status and error code, for a failure's message: what the unsettled changes wait on.
    package func ledgerSummary(portal: String) async throws -> String {
        let rows = try await pool.query(
            """
            SELECT status, coalesce(error_code, '-') AS error_code, count(*) AS n FROM sync_ledger
            WHERE portal = \(portal) GROUP BY 1, 2 ORDER BY 1, 2
            """
        )
        return try rows.map { row in
            "\(try row.decode(String.self, column: "status"))/\(try row.decode(String.self, column: "error_code")): "
                + "\(try row.decode(Int.self, column: "n"))"
        }
        .joined(separator: ", ")
    }

    /// The item map of `portal`: originId → portal item id.
    package func itemMap(portal: String) async throws -> [String: Int64] {
        var map: [String: Int64] = [:]
        for row in try await pool.query("SELECT origin_id, item_id FROM item_map WHERE portal = \(portal)") {
            map[try row.decode(String.self, column: "origin_id")] = try row.decode(Int64.self, column: "item_id")
        }
        return map
    }
}
