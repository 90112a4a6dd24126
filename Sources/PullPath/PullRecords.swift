import PQClient
import SyncCore

/// The pull worker's PostgreSQL side, on one connection inside the item's transaction: what the fleet knows of an
/// item (the upsert worker's snapshot in the item map, the mirror), and the ledger row and mirror of the outcome.
struct PullRecords {
    /// What the fleet knows of one portal item.
    struct Knowledge: Sendable {
        var originId: String?
        var write: EchoClassifier.WriteSnapshot?
        var mirror: EchoClassifier.MirrorSnapshot?
        /// The ERP's delete of this item was applied by the fleet (a tombstone names it).
        var deletedByFleet: Bool
    }

    let connection: PQConnection

    /// Takes the item's transaction lock without waiting: the write path's per-item lock when the item has an ERP
    /// id (so no pull reads the item map while an upsert of the item is being written), else a pull lock of its
    /// own. False when another session holds it.
    nonisolated(nonsending) func tryLock(portal: String, entityTypeId: Int, itemID: Int64, originId: String?)
        async throws -> Bool
    {
        // The text matches ItemLedger.ItemKey.lockText of the write path.
        let text = originId.map { "item|\(portal)|\(entityTypeId)|\($0)" } ?? "pull|\(portal)|\(entityTypeId)|\(itemID)"
        return try await connection.query(
            "SELECT pg_try_advisory_xact_lock(hashtextextended(\(text), 0)) AS locked"
        ).first?.decode(Bool.self, column: "locked") ?? false
    }

    nonisolated(nonsending) func knowledge(portal: String, entityTypeId: Int, itemID: Int64) async throws
        -> Knowledge
    {
        let rows = try await connection.query(
            """
            SELECT m.origin_id, m.portal_updated_time, m.erp_fields::text AS erp_fields,
                   r.origin_id AS mirror_origin_id, extract(epoch FROM r.updated_at_portal)::float8 AS mirror_updated,
                   r.changed_by,
                   (SELECT t.origin_id FROM item_tombstones t WHERE t.portal = \(portal)
                      AND t.entity_type_id = \(entityTypeId) AND t.item_id = \(itemID) LIMIT 1) AS tombstone_origin_id
            FROM (SELECT 1) AS one
            LEFT JOIN item_map m ON m.portal = \(portal) AND m.entity_type_id = \(entityTypeId) AND m.item_id = \(itemID)
            LEFT JOIN portal_item_mirror r ON r.portal = \(portal) AND r.entity_type_id = \(entityTypeId)
                                           AND r.item_id = \(itemID)
            """
        )
        guard let row = rows.first else { return Knowledge(deletedByFleet: false) }
        var write: EchoClassifier.WriteSnapshot?
        if let text = try row.decode(String?.self, column: "portal_updated_time"),
            let updated = RFC3339Timestamp(text)
        {
            let fields = try row.decode(String?.self, column: "erp_fields").flatMap { try? JSONValue(parsing: $0) }
            write = EchoClassifier.WriteSnapshot(
                updatedAt: updated.secondsSince1970,
                erpFields: fields?.objectValue ?? JSONObject()
            )
        }
        var mirror: EchoClassifier.MirrorSnapshot?
        if let updated = try row.decode(Double?.self, column: "mirror_updated"),
            let author = try row.decode(String?.self, column: "changed_by").flatMap(EchoClassifier.Author.init)
        {
            mirror = EchoClassifier.MirrorSnapshot(updatedAt: updated, author: author)
        }
        let tombstone = try row.decode(String?.self, column: "tombstone_origin_id")
        return Knowledge(
            originId: try row.decode(String?.self, column: "origin_id")
                ?? row.decode(String?.self, column: "mirror_origin_id") ?? tombstone,
            write: write,
            mirror: mirror,
            deletedByFleet: tombstone != nil
        )
    }

    /// Whether the pull key was recorded already.
    nonisolated(nonsending) func isDone(_ key: IdempotencyKey) async throws -> Bool {
        try await !connection.query(
            "SELECT 1 FROM sync_ledger WHERE idempotency_key = \(key.rawValue) AND status = 'done'"
        ).isEmpty
    }

    /// Records the pull key as done (with the item), and the item's state in the mirror when `author` is given.
    nonisolated(nonsending) func record(
        key: IdempotencyKey,
        portal: String,
        entityTypeId: Int,
        itemID: Int64,
        originId: String?,
        traceID: String,
        attempts: Int,
        mirror: (item: JSONValue, updatedTime: RFC3339Timestamp, author: EchoClassifier.Author)?
    ) async throws {
        try await connection.execute(
            """
            INSERT INTO sync_ledger (idempotency_key, operation, portal, entity_type_id, origin_id, item_id, status,
                                     attempts, trace_id)
            VALUES (\(key.rawValue), 'pull', \(portal), \(entityTypeId), \(originId), \(itemID), 'done', \(attempts),
                    \(traceID))
            ON CONFLICT (idempotency_key) DO NOTHING
            """
        )
        guard let mirror else { return }
        try await connection.execute(
            """
            INSERT INTO portal_item_mirror AS r (portal, entity_type_id, item_id, origin_id, fields, updated_time,
                                                 updated_at_portal, changed_by)
            VALUES (\(portal), \(entityTypeId), \(itemID), \(originId), \(mirror.item.compactString)::jsonb,
                    \(mirror.updatedTime.text), to_timestamp(\(mirror.updatedTime.secondsSince1970)),
                    \(mirror.author.rawValue))
            ON CONFLICT (portal, entity_type_id, item_id) DO UPDATE SET
                origin_id = coalesce(EXCLUDED.origin_id, r.origin_id), fields = EXCLUDED.fields,
                updated_time = EXCLUDED.updated_time, updated_at_portal = EXCLUDED.updated_at_portal,
                changed_by = EXCLUDED.changed_by, recorded_at = now()
            WHERE EXCLUDED.updated_at_portal >= r.updated_at_portal
            """
        )
    }

    /// Forgets the mirror of a deleted item.
    nonisolated(nonsending) func forget(portal: String, entityTypeId: Int, itemID: Int64) async throws {
        try await connection.execute(
            """
            DELETE FROM portal_item_mirror
            WHERE portal = \(portal) AND entity_type_id = \(entityTypeId) AND item_id = \(itemID)
            """
        )
    }
}
