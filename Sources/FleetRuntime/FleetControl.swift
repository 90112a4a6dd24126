import Foundation
package import PQClient
package import SyncCore

/// The fleet-wide pause switch and rollback trip, kept in one PostgreSQL row (`fleet_control`, migration 0011) so
/// that every replica on every host sees the same state; each change is also appended to `fleet_control_events`.
package struct FleetControl: Sendable {
    private let pool: PQPool

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// The current state; a database without the row (never paused) reads as running.
    package func state() async throws -> FleetControlState {
        let rows = try await pool.query(
            """
            SELECT paused, pause_reason, paused_at, paused_by, tripped, trip_reason, tripped_at, resumed_at,
                   resumed_by
            FROM fleet_control WHERE id = 1
            """
        )
        guard let row = rows.first else { return FleetControlState() }
        return FleetControlState(
            paused: try row.decode(Bool.self, column: "paused"),
            pauseReason: try row.decode(String?.self, column: "pause_reason"),
            pausedAt: try row.decode(Date?.self, column: "paused_at"),
            pausedBy: try row.decode(String?.self, column: "paused_by"),
            tripped: try row.decode(Bool.self, column: "tripped"),
            tripReason: try row.decode(String?.self, column: "trip_reason"),
            trippedAt: try row.decode(Date?.self, column: "tripped_at"),
            resumedAt: try row.decode(Date?.self, column: "resumed_at"),
            resumedBy: try row.decode(String?.self, column: "resumed_by")
        )
    }

    /// Pauses the whole fleet: every consumer stops taking messages within about a second. Pausing a paused fleet
    /// keeps the first pause time and replaces the reason.
    package func pause(reason: String, by actor: String) async throws {
        try await pool.withTransaction { connection in
            try await connection.execute(
                """
                INSERT INTO fleet_control (id, paused, pause_reason, paused_at, paused_by, updated_at)
                VALUES (1, true, \(reason), now(), \(actor), now())
                ON CONFLICT (id) DO UPDATE SET
                    paused = true, pause_reason = EXCLUDED.pause_reason,
                    paused_at = COALESCE(CASE WHEN fleet_control.paused THEN fleet_control.paused_at END, now()),
                    paused_by = EXCLUDED.paused_by, updated_at = now()
                """
            )
            try await Self.record(action: "pause", reason: reason, actor: actor, on: connection)
        }
    }

    /// Clears both the pause and the rollback trip, and restarts the rollback window from now.
    package func resume(by actor: String) async throws {
        try await pool.withTransaction { connection in
            try await connection.execute(
                """
                INSERT INTO fleet_control (id, resumed_at, resumed_by, updated_at)
                VALUES (1, now(), \(actor), now())
                ON CONFLICT (id) DO UPDATE SET
                    paused = false, pause_reason = NULL, paused_at = NULL, paused_by = NULL,
                    tripped = false, trip_reason = NULL, tripped_at = NULL,
                    resumed_at = now(), resumed_by = EXCLUDED.resumed_by, updated_at = now()
                """
            )
            try await Self.record(action: "resume", reason: nil, actor: actor, on: connection)
        }
    }

    /// Trips the rollback switch: write workers stop taking write messages. A tripped fleet keeps its first reason.
    /// - Returns: whether this call tripped it (false when it was already tripped).
    @discardableResult
    package func trip(reason: String) async throws -> Bool {
        try await pool.withTransaction { connection in
            let changed = try await connection.execute(
                """
                INSERT INTO fleet_control (id, tripped, trip_reason, tripped_at, updated_at)
                VALUES (1, true, \(reason), now(), now())
                ON CONFLICT (id) DO UPDATE SET
                    tripped = true, trip_reason = EXCLUDED.trip_reason, tripped_at = now(), updated_at = now()
                WHERE NOT fleet_control.tripped
                """
            )
            guard changed > 0 else { return false }
            try await Self.record(action: "trip", reason: reason, actor: "rollback-trigger", on: connection)
            return true
        }
    }

    /// The rollback trigger's step: reads the window of `policy` and trips the fleet when it is over the threshold,
    /// in one transaction that holds the control row, so that a `resume` committed meanwhile is always seen (an
    /// evaluation that read the window before a resume can never trip the fleet after it).
    /// - Returns: the window read, and the reason when this call tripped the fleet.
    package func tripIfOver(_ policy: IntegrationContract.RollbackTrigger) async throws -> (
        window: RollbackWindow, trippedWith: String?
    ) {
        try await pool.withTransaction { connection in
            try await connection.execute("INSERT INTO fleet_control (id) VALUES (1) ON CONFLICT (id) DO NOTHING")
            let rows = try await connection.query("SELECT tripped FROM fleet_control WHERE id = 1 FOR UPDATE")
            let alreadyTripped = try rows.first?.decode(Bool.self, column: "tripped") ?? false
            let window = try await RollbackWindow.read(policy: policy, on: connection)
            guard !alreadyTripped, policy.isTripped(failed: window.failed, total: window.total) else {
                return (window, nil)
            }
            let reason = window.tripReason(threshold: policy.errorRate)
            try await connection.execute(
                """
                UPDATE fleet_control SET tripped = true, trip_reason = \(reason), tripped_at = now(), updated_at = now()
                WHERE id = 1
                """
            )
            try await Self.record(action: "trip", reason: reason, actor: "rollback-trigger", on: connection)
            return (window, reason)
        }
    }

    nonisolated(nonsending) private static func record(
        action: String,
        reason: String?,
        actor: String?,
        on connection: PQConnection
    )
        async throws
    {
        try await connection.execute(
            """
            INSERT INTO fleet_control_events (action, reason, actor) VALUES (\(action), \(reason), \(actor))
            """
        )
    }
}
