import Foundation
package import PQClient

/// Watches a run's messages reach their outcome in the ledger (or the dead-letter queues), and measures them.
package struct LoadMonitor: Sendable {
    /// Where a run stands.
    package struct Progress: Sendable {
        package var settled: Int
        package var retried: Int
    }

    let pool: PQPool

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// How many of `messageIDs` have a final ledger row (done, stale, superseded, dead), and how many retries the
    /// run's ledger rows record so far.
    package func progress(of messageIDs: [String]) async throws -> Progress {
        let ids = "[" + messageIDs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rows = try await pool.query(
            """
            SELECT count(*) FILTER (WHERE status IN ('done', 'stale', 'superseded', 'dead')) AS settled,
                   coalesce(sum(attempts), 0)::bigint AS retried
            FROM sync_ledger WHERE message_id IN (SELECT jsonb_array_elements_text(\(ids)::jsonb))
            """
        )
        let row = rows[0]
        return Progress(
            settled: try row.decode(Int.self, column: "settled"),
            retried: try row.decode(Int.self, column: "retried")
        )
    }

    /// Seconds from publish to the committed outcome, for every message of the run with a ledger row.
    package func latencies(published: [String: Double]) async throws -> [Double] {
        let ids = "[" + published.keys.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rows = try await pool.query(
            """
            SELECT message_id, extract(epoch FROM updated_at)::float8 AS settled_at FROM sync_ledger
            WHERE message_id IN (SELECT jsonb_array_elements_text(\(ids)::jsonb))
              AND status IN ('done', 'stale', 'superseded')
            """
        )
        var latencies: [Double] = []
        for row in rows {
            guard let sentAt = published[try row.decode(String.self, column: "message_id")] else { continue }
            latencies.append(max(0, try row.decode(Double.self, column: "settled_at") - sentAt))
        }
        return latencies
    }

    /// Ledger rows by status for the run.
    package func statusCounts(of messageIDs: [String]) async throws -> [String: Int] {
        let ids = "[" + messageIDs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rows = try await pool.query(
            """
            SELECT status, count(*)::bigint AS n FROM sync_ledger
            WHERE message_id IN (SELECT jsonb_array_elements_text(\(ids)::jsonb)) GROUP BY status
            """
        )
        var counts: [String: Int] = [:]
        for row in rows {
            counts[try row.decode(String.self, column: "status")] = try row.decode(Int.self, column: "n")
        }
        return counts
    }
}

extension Array where Element == Double {
    /// The `q` quantile (0...1) by nearest rank; 0 for an empty array.
    package func quantile(_ q: Double) -> Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        let rank = Swift.min(sorted.count - 1, Swift.max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }
}

extension LoadMonitor {
    /// Dead-lettered messages of the run by error code, with one reason each.
    func deadLetterReasons(of messageIDs: [String]) async throws -> [LoadSummary.DeadLetterReason] {
        let ids = "[" + messageIDs.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rows = try await pool.query(
            """
            SELECT coalesce(error_code, '?') AS code, count(*)::bigint AS n, min(error_message) AS example
            FROM sync_ledger WHERE status = 'dead' AND message_id IN (SELECT jsonb_array_elements_text(\(ids)::jsonb))
            GROUP BY 1 ORDER BY 2 DESC
            """
        )
        return try rows.map { row in
            LoadSummary.DeadLetterReason(
                code: try row.decode(String.self, column: "code"),
                count: try row.decode(Int.self, column: "n"),
                example: try row.decode(String?.self, column: "example") ?? ""
            )
        }
    }
}
