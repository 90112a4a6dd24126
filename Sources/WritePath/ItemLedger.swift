package import PQClient
package import SyncCore

/// The write path's PostgreSQL side: ledger rows by idempotency key, the item map, write outcomes for the
/// rollback trigger, and per-item advisory locks. Every call handles a whole batch in one or two statements
/// (rows travel as one JSON parameter), because per-row round trips would cost more than the portal call.
package struct ItemLedger: Sendable {
    /// An item's identity: the lock and the item map are keyed by it.
    package struct ItemKey: Sendable, Hashable {
        package var portal: String
        package var entityTypeId: Int
        package var originId: String

        package init(portal: String, entityTypeId: Int, originId: String) {
            self.portal = portal
            self.entityTypeId = entityTypeId
            self.originId = originId
        }

        /// The text the advisory lock is derived from (`hashtextextended`), unique per item.
        var lockText: String { "item|\(portal)|\(entityTypeId)|\(originId)" }
    }

    private let pool: PQPool

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// The ledger and item map state of each (key, item) pair.
    package func states(of requests: [(key: String, item: ItemKey)]) async throws -> [String: LedgerState] {
        guard !requests.isEmpty else { return [:] }
        let input = JSONValue.array(
            requests.map { request in
                [
                    "key": .string(request.key), "portal": .string(request.item.portal),
                    "entity_type_id": .int(Int64(request.item.entityTypeId)),
                    "origin_id": .string(request.item.originId),
                ]
            }
        )
        let rows = try await pool.query(
            """
            SELECT i.key, l.status, l.item_id AS ledger_item_id, m.item_id AS mapped_item_id,
                   extract(epoch FROM m.last_changed_at)::float8 AS last_changed_at,
                   m.erp_fields ->> 'stageId' AS written_stage,
                   extract(epoch FROM t.deleted_changed_at)::float8 AS deleted_at,
                   EXISTS (SELECT 1 FROM sync_ledger o
                           WHERE o.portal = i.portal AND o.entity_type_id = i.entity_type_id
                             AND o.origin_id = i.origin_id AND o.operation = 'upsert'
                             AND o.status IN ('in_progress', 'failed', 'done')) AS touched,
                   (SELECT extract(epoch FROM now() - max(o.updated_at))::float8 FROM sync_ledger o
                     WHERE o.portal = i.portal AND o.entity_type_id = i.entity_type_id
                       AND o.origin_id = i.origin_id AND o.operation = 'upsert'
                       AND o.status = 'in_progress' AND o.error_code IS NULL) AS unanswered_age
            FROM jsonb_to_recordset(\(input.compactString)::jsonb)
                 AS i(key text, portal text, entity_type_id int, origin_id text)
            LEFT JOIN sync_ledger l ON l.idempotency_key = i.key
            LEFT JOIN item_map m ON m.portal = i.portal AND m.entity_type_id = i.entity_type_id
                                 AND m.origin_id = i.origin_id
            LEFT JOIN item_tombstones t ON t.portal = i.portal AND t.entity_type_id = i.entity_type_id
                                        AND t.origin_id = i.origin_id
            """
        )
        var states: [String: LedgerState] = [:]
        for row in rows {
            states[try row.decode(String.self, column: "key")] = LedgerState(
                status: try row.decode(String?.self, column: "status"),
                ledgerItemID: try row.decode(Int64?.self, column: "ledger_item_id"),
                mappedItemID: try row.decode(Int64?.self, column: "mapped_item_id"),
                lastChangedAt: try row.decode(Double?.self, column: "last_changed_at"),
                deletedAt: try row.decode(Double?.self, column: "deleted_at"),
                touched: try row.decode(Bool.self, column: "touched"),
                unansweredAge: try row.decode(Double?.self, column: "unanswered_age"),
                writtenStage: try row.decode(String?.self, column: "written_stage")
            )
        }
        return states
    }

    /// Which of `items` the item map knows.
    package func mappedItems(_ items: [ItemKey]) async throws -> Set<ItemKey> {
        guard !items.isEmpty else { return [] }
        let input = JSONValue.array(
            items.map {
                [
                    "portal": .string($0.portal), "entity_type_id": .int(Int64($0.entityTypeId)),
                    "origin_id": .string($0.originId),
                ]
            }
        )
        let rows = try await pool.query(
            """
            SELECT m.portal, m.entity_type_id, m.origin_id
            FROM jsonb_to_recordset(\(input.compactString)::jsonb) AS i(portal text, entity_type_id int, origin_id text)
            JOIN item_map m ON m.portal = i.portal AND m.entity_type_id = i.entity_type_id AND m.origin_id = i.origin_id
            """
        )
        var mapped = Set<ItemKey>()
        for row in rows {
            mapped.insert(
                ItemKey(
                    portal: try row.decode(String.self, column: "portal"),
                    entityTypeId: try row.decode(Int.self, column: "entity_type_id"),
                    originId: try row.decode(String.self, column: "origin_id")
                )
            )
        }
        return mapped
    }

    /// Writes ledger rows, item map rows and write outcomes in one transaction.
    ///
    /// A `done` ledger row is never downgraded (a late duplicate cannot undo a recorded success), and the item map
    /// only moves forward in `changedAt`.
    package func record(
        _ entries: [LedgerEntry],
        itemMap: [ItemMapEntry] = [],
        outcomes: [WriteOutcome] = []
    ) async throws {
        guard !entries.isEmpty || !itemMap.isEmpty || !outcomes.isEmpty else { return }
        try await pool.withTransaction { connection in
            if !entries.isEmpty {
                let rows = JSONValue.array(entries.map(\.jsonValue)).compactString
                try await connection.execute(
                    """
                    INSERT INTO sync_ledger AS l (idempotency_key, operation, portal, entity_type_id, origin_id,
                        item_id, status, attempts, payload_hash, changed_at, message_id, trace_id, error_code,
                        error_message)
                    SELECT key, operation, portal, entity_type_id, origin_id, item_id, status, attempts, payload_hash,
                           to_timestamp(changed_at), message_id, trace_id, error_code, error_message
                    FROM jsonb_to_recordset(\(rows)::jsonb) AS x(key text, operation text, portal text,
                        entity_type_id int, origin_id text, item_id bigint, status text, attempts int,
                        payload_hash text, changed_at float8, message_id text, trace_id text, error_code text,
                        error_message text)
                    ON CONFLICT (idempotency_key) DO UPDATE SET
                        status = EXCLUDED.status, item_id = coalesce(EXCLUDED.item_id, l.item_id),
                        attempts = greatest(EXCLUDED.attempts, l.attempts), message_id = EXCLUDED.message_id,
                        trace_id = coalesce(EXCLUDED.trace_id, l.trace_id), error_code = EXCLUDED.error_code,
                        error_message = EXCLUDED.error_message, updated_at = now()
                    WHERE l.status <> 'done'
                    """
                )
            }
            if !itemMap.isEmpty {
                let rows = JSONValue.array(itemMap.map(\.jsonValue)).compactString
                try await connection.execute(
                    """
                    INSERT INTO item_map AS m (portal, entity_type_id, origin_id, item_id, last_changed_at,
                        last_payload_hash, erp_fields, portal_updated_time)
                    SELECT portal, entity_type_id, origin_id, item_id, to_timestamp(changed_at), payload_hash,
                           erp_fields, portal_updated_time
                    FROM jsonb_to_recordset(\(rows)::jsonb) AS x(portal text, entity_type_id int, origin_id text,
                        item_id bigint, changed_at float8, payload_hash text, erp_fields jsonb,
                        portal_updated_time text)
                    ON CONFLICT (portal, entity_type_id, origin_id) DO UPDATE SET
                        item_id = EXCLUDED.item_id, last_changed_at = EXCLUDED.last_changed_at,
                        last_payload_hash = EXCLUDED.last_payload_hash, erp_fields = EXCLUDED.erp_fields,
                        portal_updated_time = EXCLUDED.portal_updated_time, updated_at = now()
                    WHERE m.last_changed_at IS NULL OR EXCLUDED.last_changed_at >= m.last_changed_at
                    """
                )
            }
            if !outcomes.isEmpty {
                let rows = JSONValue.array(outcomes.map(\.jsonValue)).compactString
                try await connection.execute(
                    """
                    INSERT INTO write_outcomes (portal, operation, succeeded, error_code)
                    SELECT portal, operation, succeeded, error_code
                    FROM jsonb_to_recordset(\(rows)::jsonb)
                         AS x(portal text, operation text, succeeded bool, error_code text)
                    """
                )
            }
        }
    }

    /// Records deletes: the item map forgets the items, and a tombstone keeps each delete's `changedAt` so that an
    /// older upsert arriving later is stale rather than re-creating the item.
    package func entomb(_ items: [(item: ItemKey, changedAt: Double, itemID: Int64?)]) async throws {
        guard !items.isEmpty else { return }
        let rows = JSONValue.array(
            items.map { entry in
                var object: JSONObject = [
                    "portal": .string(entry.item.portal), "entity_type_id": .int(Int64(entry.item.entityTypeId)),
                    "origin_id": .string(entry.item.originId), "changed_at": .double(entry.changedAt),
                ]
                object["item_id"] = entry.itemID.map(JSONValue.int)
                return .object(object)
            }
        ).compactString
        try await pool.withTransaction { connection in
            try await connection.execute(
                """
                INSERT INTO item_tombstones AS t (portal, entity_type_id, origin_id, deleted_changed_at, item_id)
                SELECT portal, entity_type_id, origin_id, to_timestamp(changed_at), item_id
                FROM jsonb_to_recordset(\(rows)::jsonb)
                     AS x(portal text, entity_type_id int, origin_id text, changed_at float8, item_id bigint)
                ON CONFLICT (portal, entity_type_id, origin_id) DO UPDATE SET
                    deleted_changed_at = greatest(t.deleted_changed_at, EXCLUDED.deleted_changed_at),
                    item_id = coalesce(EXCLUDED.item_id, t.item_id), recorded_at = now()
                """
            )
            try await connection.execute(
                """
                DELETE FROM item_map m USING jsonb_to_recordset(\(rows)::jsonb)
                    AS x(portal text, entity_type_id int, origin_id text, changed_at float8)
                WHERE m.portal = x.portal AND m.entity_type_id = x.entity_type_id AND m.origin_id = x.origin_id
                  AND (m.last_changed_at IS NULL OR m.last_changed_at <= to_timestamp(x.changed_at))
                """
            )
        }
    }

    /// Takes the session advisory locks of `items` that no other session holds, on `connection`, and returns
    /// those taken. Locks live until ``unlock(_:on:)`` or the session ends (a killed worker frees its items).
    nonisolated(nonsending) package func tryLock(_ items: [ItemKey], on connection: PQConnection) async throws
        -> Set<ItemKey>
    {
        guard !items.isEmpty else { return [] }
        let texts = JSONValue.array(items.map { .string($0.lockText) }).compactString
        let rows = try await connection.query(
            """
            SELECT t AS lock_text, pg_try_advisory_lock(hashtextextended(t, 0)) AS taken
            FROM jsonb_array_elements_text(\(texts)::jsonb) AS t
            """
        )
        var taken = Set<String>()
        for row in rows where try row.decode(Bool.self, column: "taken") {
            taken.insert(try row.decode(String.self, column: "lock_text"))
        }
        return Set(items.filter { taken.contains($0.lockText) })
    }

    nonisolated(nonsending) package func unlock(_ items: some Collection<ItemKey>, on connection: PQConnection)
        async throws
    {
        guard !items.isEmpty else { return }
        let texts = JSONValue.array(items.map { .string($0.lockText) }).compactString
        try await connection.execute(
            """
            SELECT pg_advisory_unlock(hashtextextended(t, 0)) FROM jsonb_array_elements_text(\(texts)::jsonb) AS t
            """
        )
    }
}

/// One write's success or failure, for the rollback trigger's window.
package struct WriteOutcome: Sendable {
    package var portal: String
    package var operation: SyncOperation
    package var succeeded: Bool
    package var errorCode: String?

    package init(portal: String, operation: SyncOperation, succeeded: Bool, errorCode: String? = nil) {
        self.portal = portal
        self.operation = operation
        self.succeeded = succeeded
        self.errorCode = errorCode
    }

    var jsonValue: JSONValue {
        var object: JSONObject = [
            "portal": .string(portal), "operation": .string(operation.rawValue), "succeeded": .bool(succeeded),
        ]
        object["error_code"] = errorCode.map(JSONValue.string)
        return .object(object)
    }
}
