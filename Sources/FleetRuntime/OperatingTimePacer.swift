package import Bitrix24
import Foundation
package import PQClient

/// Keeps the fleet under each portal method's operating-time budget (bitrix24-rest.md §5.2) instead of running
/// into `OPERATION_TIME_LIMIT`: every answer reports how many seconds the method has used in the last 10 minutes
/// (`time.operating`) and when the oldest of them expires (`operating_reset_at`). When a method has used nearly its
/// budget, the fleet stops calling it until then; the hold is kept in PostgreSQL, so every replica honours it.
///
/// The portal does not publish the budget; 480 s per 10 minutes is the documented example, and
/// `SYNC_OPERATING_BUDGET_SECONDS` changes it.
package struct OperatingTimePacer: Sendable {
    package static let defaultBudgetSeconds = 480.0

    private let pool: PQPool
    private let budgetSeconds: Double
    /// The share of the budget at which the fleet stops calling the method.
    private let threshold = 0.9

    package init(pool: PQPool, budgetSeconds: Double = OperatingTimePacer.defaultBudgetSeconds) {
        self.pool = pool
        self.budgetSeconds = budgetSeconds
    }

    /// Throws the error a portal would answer if any of `methods` is held on `portal`, without calling it.
    package func check(portal: String, methods: Set<String>) async throws {
        guard !methods.isEmpty else { return }
        let list = "[" + methods.sorted().map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rows = try await pool.query(
            """
            SELECT method, extract(epoch FROM held_until)::float8 AS held_until FROM portal_method_hold
            WHERE portal = \(portal) AND held_until > clock_timestamp()
              AND method IN (SELECT jsonb_array_elements_text(\(list)::jsonb))
            ORDER BY held_until DESC LIMIT 1
            """
        )
        guard let row = rows.first else { return }
        let method = try row.decode(String.self, column: "method")
        let until = Date(timeIntervalSince1970: try row.decode(Double.self, column: "held_until"))
        throw Bitrix24Error(
            code: .operationTimeLimit,
            portalCode: "OPERATION_TIME_LIMIT",
            message:
                "\(method) has nearly used its operating-time budget on \(portal); the fleet waits for it to reset",
            operatingResetAt: until
        )
    }

    /// Records holds for the methods whose answers in `response` report a nearly spent budget, or a refusal.
    ///
    /// A method is held when its budget would not take another request like this one: the time it has used plus
    /// what this request's commands of it cost (the spread of `operating` across them) reaches the threshold.
    package func observe(portal: String, methods: [String: String], response: Bitrix24BatchResponse) async throws {
        var holds: [String: Double] = [:]
        var spent: [String: (lowest: Double, highest: Double, resetAt: Double)] = [:]
        for (name, result) in response.results {
            guard let method = methods[name] else { continue }
            switch result {
            case .success(let answer):
                guard let operating = answer.time.operating, let resetAt = answer.time.operatingResetAt else {
                    continue
                }
                let known = spent[method] ?? (operating, operating, 0)
                spent[method] = (
                    min(known.lowest, operating), max(known.highest, operating),
                    max(known.resetAt, resetAt.timeIntervalSince1970)
                )
            case .failure(let error) where error.code == .operationTimeLimit:
                let resetAt = error.operatingResetAt ?? Date().addingTimeInterval(60)
                holds[method] = max(holds[method] ?? 0, resetAt.timeIntervalSince1970)
            case .failure:
                continue
            }
        }
        for (method, figures) in spent {
            let nextRequest = figures.highest - figures.lowest
            if figures.highest + nextRequest >= budgetSeconds * threshold {
                holds[method] = max(holds[method] ?? 0, figures.resetAt)
            }
        }
        try await hold(portal: portal, until: holds)
    }

    /// Records a hold after the portal refused a whole request with `OPERATION_TIME_LIMIT`.
    package func observe(portal: String, methods: Set<String>, error: Bitrix24Error) async throws {
        guard error.code == .operationTimeLimit else { return }
        let resetAt = (error.operatingResetAt ?? Date().addingTimeInterval(60)).timeIntervalSince1970
        try await hold(portal: portal, until: Dictionary(uniqueKeysWithValues: methods.map { ($0, resetAt) }))
    }

    private func hold(portal: String, until holds: [String: Double]) async throws {
        for (method, until) in holds {
            try await pool.execute(
                """
                INSERT INTO portal_method_hold (portal, method, held_until) VALUES (\(portal), \(method), to_timestamp(\(until)))
                ON CONFLICT (portal, method) DO UPDATE
                SET held_until = greatest(portal_method_hold.held_until, EXCLUDED.held_until)
                """
            )
        }
    }
}
