import Foundation
package import PQClient
import SyncCore

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

    /// How many of a run's messages have a final ledger row (done, stale, superseded, dead), and how many retries
    /// their ledger rows record so far.
    ///
    /// Only the messages not yet settled are looked up again: a final row stays final, so polling a large run
    /// costs the database less and less instead of re-reading every message on every poll (which took CPU from
    /// the fleet being measured).
    package struct Tracker: Sendable {
        private var pending: Set<String>
        private var settled = 0
        private var settledRetries = 0

        package init(messageIDs: [String]) {
            pending = Set(messageIDs)
        }

        package mutating func refresh(_ monitor: LoadMonitor) async throws -> Progress {
            guard !pending.isEmpty else { return Progress(settled: settled, retried: settledRetries) }
            let ids = JSONValue.array(pending.map(JSONValue.string)).compactString
            let rows = try await monitor.pool.query(
                """
                SELECT message_id, status IN ('done', 'stale', 'superseded', 'dead') AS final, attempts
                FROM sync_ledger WHERE message_id IN (SELECT jsonb_array_elements_text(\(ids)::jsonb))
                """
            )
            var pendingRetries = 0
            for row in rows {
                let attempts = try row.decode(Int.self, column: "attempts")
                guard try row.decode(Bool.self, column: "final") else {
                    pendingRetries += attempts
                    continue
                }
                if pending.remove(try row.decode(String.self, column: "message_id")) != nil {
                    settled += 1
                    settledRetries += attempts
                }
            }
            return Progress(settled: settled, retried: settledRetries + pendingRetries)
        }
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
