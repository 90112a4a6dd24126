package import Logging
package import PQClient
import Synchronization

/// The stage requirements of every portal, kept in PostgreSQL (`stage_requirements`) and read through a short-lived
/// memory cache, so that a requirement one replica learns reaches the others within ``freshness``.
package final class StageRequirementStore: Sendable {
    /// One requirement and where it came from.
    package struct Requirement: Sendable, Equatable {
        package enum Source: String, Sendable { case declared, learned }

        package var entityTypeId: Int
        package var stage: String
        package var field: String
        package var source: Source

        package init(entityTypeId: Int, stage: String, field: String, source: Source) {
            self.entityTypeId = entityTypeId
            self.stage = stage
            self.field = field
            self.source = source
        }
    }

    /// How long a replica trusts what it read.
    package static let freshness: Duration = .seconds(10)

    private struct Entry {
        var requirements: [Int: StageRequirements]
        var readAt: ContinuousClock.Instant
    }

    private let pool: PQPool
    private let memory = Mutex<[String: Entry]>([:])

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// The requirements of `portal` for `entityTypeId` (empty when none are known).
    package func requirements(portal: String, entityTypeId: Int) async throws -> StageRequirements {
        let now = ContinuousClock.now
        if let entry = memory.withLock({ $0[portal] }), now - entry.readAt < Self.freshness {
            return entry.requirements[entityTypeId] ?? StageRequirements()
        }
        var byType: [Int: StageRequirements] = [:]
        for requirement in try await list(portal: portal) {
            byType[requirement.entityTypeId, default: StageRequirements()]
                .fieldsByStage[requirement.stage, default: []].insert(requirement.field)
        }
        memory.withLock { $0[portal] = Entry(requirements: byType, readAt: now) }
        return byType[entityTypeId] ?? StageRequirements()
    }

    /// Every requirement of `portal`, by entity type, stage and field.
    package func list(portal: String) async throws -> [Requirement] {
        let rows = try await pool.query(
            """
            SELECT entity_type_id, stage_id, field, source FROM stage_requirements
            WHERE portal = \(portal) ORDER BY entity_type_id, stage_id, field
            """
        )
        return try rows.map { row in
            Requirement(
                entityTypeId: try row.decode(Int.self, column: "entity_type_id"),
                stage: try row.decode(String.self, column: "stage_id"),
                field: try row.decode(String.self, column: "field"),
                source: Requirement.Source(rawValue: try row.decode(String.self, column: "source")) ?? .declared
            )
        }
    }

    /// Records what a portal's refusal showed; a declared requirement stays declared.
    package func learn(portal: String, entityTypeId: Int, stage: String, field: String, logger: Logger) async throws {
        let inserted = try await pool.execute(
            """
            INSERT INTO stage_requirements (portal, entity_type_id, stage_id, field, source)
            VALUES (\(portal), \(entityTypeId), \(stage), \(field), 'learned')
            ON CONFLICT (portal, entity_type_id, stage_id, field) DO NOTHING
            """
        )
        memory.withLock { _ = $0.removeValue(forKey: portal) }
        if inserted > 0 {
            logger.notice(
                "stage requirement learned from the portal's refusal",
                metadata: [
                    "portal": "\(portal)", "entity_type_id": "\(entityTypeId)", "stage": "\(stage)",
                    "field": "\(field)",
                ]
            )
        }
    }

    /// Sets the fields `stage` requires, as an operator declares them (replacing what was declared or learned).
    package func declare(portal: String, entityTypeId: Int, stage: String, fields: [String]) async throws {
        try await pool.withTransaction { connection in
            _ = try await connection.execute(
                """
                DELETE FROM stage_requirements
                WHERE portal = \(portal) AND entity_type_id = \(entityTypeId) AND stage_id = \(stage)
                """
            )
            for field in Set(fields) {
                _ = try await connection.execute(
                    """
                    INSERT INTO stage_requirements (portal, entity_type_id, stage_id, field, source)
                    VALUES (\(portal), \(entityTypeId), \(stage), \(field), 'declared')
                    """
                )
            }
        }
        memory.withLock { _ = $0.removeValue(forKey: portal) }
    }
}
