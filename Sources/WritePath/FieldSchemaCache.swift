import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore
import Synchronization

/// `crm.item.fields` per portal and entity type, cached in PostgreSQL (seed §3: "use cached previous schema" when
/// the method fails) and in memory; refreshed when older than ``maximumAge`` or on request (a write that failed on
/// a field mismatch, an app install or update).
package final class FieldSchemaCache: Sendable {
    package static let maximumAge: Duration = .seconds(3600)

    private struct Entry {
        var fields: JSONObject
        var fetchedAt: ContinuousClock.Instant
    }

    private let pool: PQPool
    private let budget: PortalRequestBudget
    private let logger: Logger
    private let memory = Mutex<[String: Entry]>([:])
    /// Lanes that start together ask the portal once.
    private let fetches = SingleFlight<JSONObject>()

    package init(pool: PQPool, logger: Logger) {
        self.pool = pool
        self.budget = PortalRequestBudget(pool: pool)
        self.logger = logger
    }

    /// The field descriptions of `entityTypeId` on `portal` (names as `useOriginalUfNames=N` gives them).
    package func fields(of portal: PortalConnection, entityTypeId: Int, refresh: Bool = false) async throws
        -> JSONObject
    {
        let key = "\(portal.domain)|\(entityTypeId)"
        if !refresh, let entry = memory.withLock({ $0[key] }), ContinuousClock.now - entry.fetchedAt < Self.maximumAge {
            return entry.fields
        }
        if !refresh, let stored = try await stored(portal: portal.domain, entityTypeId: entityTypeId) {
            memory.withLock { $0[key] = Entry(fields: stored, fetchedAt: .now) }
            return stored
        }
        do {
            return try await fetches.run(key) {
                try await fetch(portal: portal, entityTypeId: entityTypeId, key: key, refresh: refresh)
            }
        } catch {
            // Seed §3: crm.item.fields failing falls back to the cached previous schema.
            if let stored = try await stored(portal: portal.domain, entityTypeId: entityTypeId, anyAge: true) {
                logger.warning(
                    "crm.item.fields failed; using the cached schema",
                    metadata: ["portal": "\(portal.domain)", "error": "\(error)"]
                )
                return stored
            }
            throw error
        }
    }

    /// Asks the portal and stores the answer in PostgreSQL and in memory.
    ///
    /// Replicas that start together take turns on an advisory lock per portal and type, and the ones that waited
    /// use the answer the first stored, so the fleet asks once rather than once per replica.
    private func fetch(portal: PortalConnection, entityTypeId: Int, key: String, refresh: Bool) async throws
        -> JSONObject
    {
        // The wait polls (a waiter holds no thread of the blocking pool that the first replica's call needs).
        try await pool.withConnection { connection in
            try await connection.withAdvisoryLock(named: "field_schema|" + key) { connection in
                let justFetched = try await connection.query(
                    """
                    SELECT fields::text AS fields FROM field_schema_cache
                    WHERE portal = \(portal.domain) AND entity_type_id = \(entityTypeId)
                      AND fetched_at > now() - make_interval(secs => \(refresh ? 10.0 : 3600.0))
                    """
                )
                if let row = justFetched.first,
                    let fields = try JSONValue(parsing: try row.decode(String.self, column: "fields")).objectValue
                {
                    memory.withLock { $0[key] = Entry(fields: fields, fetchedAt: .now) }
                    return fields
                }
                try await budget.acquire(portal: portal.domain, limit: portal.limit)
                let response = try await portal.client.call(
                    "crm.item.fields",
                    ["entityTypeId": .int(Int64(entityTypeId)), "useOriginalUfNames": "N"]
                )
                let fields = response.result["fields"]?.objectValue ?? JSONObject()
                try await connection.execute(
                    """
                    INSERT INTO field_schema_cache (portal, entity_type_id, fields, fetched_at)
                    VALUES (\(portal.domain), \(entityTypeId), \(JSONValue.object(fields).compactString)::jsonb, now())
                    ON CONFLICT (portal, entity_type_id) DO UPDATE SET fields = EXCLUDED.fields, fetched_at = now()
                    """
                )
                memory.withLock { $0[key] = Entry(fields: fields, fetchedAt: .now) }
                return fields
            }
        }
    }

    private func stored(portal: String, entityTypeId: Int, anyAge: Bool = false) async throws -> JSONObject? {
        let rows = try await pool.query(
            """
            SELECT fields::text AS fields FROM field_schema_cache
            WHERE portal = \(portal) AND entity_type_id = \(entityTypeId)
              AND (\(anyAge) OR fetched_at > now() - interval '1 hour')
            """
        )
        guard let row = rows.first else { return nil }
        return try JSONValue(parsing: try row.decode(String.self, column: "fields")).objectValue
    }
}
