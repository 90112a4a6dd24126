package import Foundation
package import PQClient
package import SyncCore

/// The write outcomes of the rollback trigger's sliding window (seed §1), counted across every replica from
/// `write_outcomes`: only outcomes inside the window and after the last `syncctl resume` count, so that a resumed
/// fleet does not trip again at once on the failures that tripped it.
package struct RollbackWindow: Sendable, Codable, Equatable {
    package var total: Int
    package var failed: Int
    package var windowSeconds: Int
    /// The oldest moment counted: the window's start, or the last resume when that is later.
    package var countedSince: Date?

    package init(total: Int, failed: Int, windowSeconds: Int, countedSince: Date? = nil) {
        self.total = total
        self.failed = failed
        self.windowSeconds = windowSeconds
        self.countedSince = countedSince
    }

    /// Failed writes over all writes, 0 without writes.
    package var errorRate: Double { total == 0 ? 0 : Double(failed) / Double(total) }

    /// Reads the window of `policy` from PostgreSQL.
    package static func read(policy: IntegrationContract.RollbackTrigger, pool: PQPool) async throws -> RollbackWindow {
        try await pool.withConnection { connection in try await read(policy: policy, on: connection) }
    }

    /// Reads the window on `connection` (inside the caller's transaction, see ``FleetControl/tripIfOver(_:)``).
    nonisolated(nonsending) package static func read(
        policy: IntegrationContract.RollbackTrigger,
        on connection: PQConnection
    ) async throws -> RollbackWindow {
        let operations = policy.writeOperations.map(\.rawValue).joined(separator: ",")
        let rows = try await connection.query(
            """
            WITH since AS (
                SELECT GREATEST(now() - make_interval(secs => \(policy.windowSeconds)),
                                COALESCE((SELECT resumed_at FROM fleet_control WHERE id = 1), '-infinity')) AS t
            )
            SELECT (SELECT t FROM since) AS counted_since, count(*) AS total,
                   count(*) FILTER (WHERE NOT succeeded) AS failed
            FROM write_outcomes
            WHERE recorded_at > (SELECT t FROM since) AND operation = ANY(string_to_array(\(operations), ','))
            """
        )
        guard let row = rows.first else { return RollbackWindow(total: 0, failed: 0, windowSeconds: 0) }
        return RollbackWindow(
            total: try row.decode(Int.self, column: "total"),
            failed: try row.decode(Int.self, column: "failed"),
            windowSeconds: policy.windowSeconds,
            countedSince: try row.decode(Date?.self, column: "counted_since")
        )
    }

    /// The sentence logged and stored as the trip reason:
    /// "write error rate 4.2% over 15 min (21/500) > 3%".
    package func tripReason(threshold: Double) -> String {
        "write error rate \(Self.percent(errorRate)) over \(Self.span(seconds: windowSeconds)) "
            + "(\(failed)/\(total)) > \(Self.percent(threshold))"
    }

    /// "4.2%", "3%".
    package static func percent(_ rate: Double) -> String {
        let tenths = (rate * 1000).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }

    /// "15 min", "1 h", "20 s".
    package static func span(seconds: Int) -> String {
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
