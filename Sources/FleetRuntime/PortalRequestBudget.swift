import Foundation
package import PQClient

/// The portal's request limit, enforced across the whole fleet: a leaky bucket per portal kept in PostgreSQL, so
/// that every replica on every host draws from one budget, and a `QUERY_LIMIT_EXCEEDED` slows all of them.
///
/// Each grant is one statement (the row is locked only for that statement). The bucket runs a little below the
/// portal's own figures, because the portal's clock and ours disagree by the network's jitter.
package struct PortalRequestBudget: Sendable {
    /// A plan's limit: `rate` requests a second draining a bucket of `capacity`; nil for an unlimited portal.
    package struct Limit: Sendable, Equatable {
        package var rate: Double
        package var capacity: Double

        package init(rate: Double, capacity: Double) {
            self.rate = rate
            self.capacity = capacity
        }

        /// Seed §8 I: standard cloud 2/s with a bucket of 50, Enterprise 5/s with 250, on-premise none.
        package static func forPlan(_ plan: PortalRegistration.Plan) -> Limit? {
            switch plan {
            case .standard: Limit(rate: 2, capacity: 50)
            case .enterprise: Limit(rate: 5, capacity: 250)
            case .box: nil
            }
        }

        /// The share of the portal's figures the fleet uses: half a percent under the rate and one request under
        /// the bucket, the margin for the jitter between granting a request here and its arrival at the portal.
        var paced: Limit { Limit(rate: rate * 0.995, capacity: max(1, capacity - 1)) }
    }

    private let pool: PQPool

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// Waits until the fleet may send one more request to `portal`, then counts it.
    package func acquire(portal: String, limit: Limit?) async throws {
        guard let limit = limit?.paced else { return }
        try await pool.execute("INSERT INTO portal_request_budget (portal) VALUES (\(portal)) ON CONFLICT DO NOTHING")
        let started = ContinuousClock.now
        var waited = false
        defer {
            if waited { FleetMetrics.rateLimitWait(portal: portal, duration: ContinuousClock.now - started) }
        }
        while true {
            let rows = try await pool.query(
                """
                WITH current AS (
                    SELECT portal,
                           greatest(0, level - \(limit.rate) * extract(epoch FROM clock_timestamp() - drained_at))
                               AS drained,
                           coalesce(extract(epoch FROM blocked_until - clock_timestamp()), 0) AS blocked_for
                    FROM portal_request_budget WHERE portal = \(portal) FOR UPDATE
                ), granted AS (
                    UPDATE portal_request_budget b SET level = c.drained + 1, drained_at = clock_timestamp()
                    FROM current c
                    WHERE b.portal = c.portal AND c.drained + 1 <= \(limit.capacity) AND c.blocked_for <= 0
                    RETURNING b.portal
                )
                SELECT (SELECT count(*) FROM granted) AS granted, drained::float8 AS drained,
                       blocked_for::float8 AS blocked_for
                FROM current
                """
            )
            guard let row = rows.first else { return }
            if try row.decode(Int.self, column: "granted") == 1 { return }
            let drained = try row.decode(Double.self, column: "drained")
            let blockedFor = try row.decode(Double.self, column: "blocked_for")
            let wait = max(blockedFor, (drained + 1 - limit.capacity) / limit.rate, 0.01)
            waited = true
            try await Task.sleep(for: .seconds(min(wait, 5)))
        }
    }

    /// After the portal refused with `QUERY_LIMIT_EXCEEDED`: every replica pauses `pause` and the bucket is
    /// taken as full, so the fleet resumes at the drain rate instead of in a burst.
    package func reportRefusal(portal: String, limit: Limit?, pause: Duration = .seconds(1)) async throws {
        guard let limit = limit?.paced else { return }
        let seconds = Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18
        try await pool.execute(
            """
            UPDATE portal_request_budget
            SET level = \(limit.capacity), drained_at = clock_timestamp(),
                blocked_until = greatest(coalesce(blocked_until, clock_timestamp()),
                                         clock_timestamp() + make_interval(secs => \(seconds)))
            WHERE portal = \(portal)
            """
        )
    }
}
