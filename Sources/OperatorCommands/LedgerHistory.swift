import Foundation
package import PQClient

/// Everything the fleet recorded about one item: its ledger rows across operations (upsert, delete, pull, event),
/// its item-map row, its tombstone, and the queue moves of its messages (drains, replays).
package struct LedgerHistory: Sendable, Codable, Equatable {
    package struct LedgerRow: Sendable, Codable, Equatable {
        package var operation: String
        package var status: String
        package var portal: String
        package var entityTypeId: Int
        package var originId: String?
        package var itemId: Int64?
        package var attempts: Int
        package var changedAt: String?
        package var messageId: String?
        package var traceId: String?
        package var errorCode: String?
        package var errorMessage: String?
        package var idempotencyKey: String
        package var createdAt: String
        package var updatedAt: String
    }

    package struct MappedItem: Sendable, Codable, Equatable {
        package var portal: String
        package var entityTypeId: Int
        package var originId: String
        package var itemId: Int64
        package var lastChangedAt: String?
        package var portalUpdatedTime: String?
        package var updatedAt: String
    }

    package struct Tombstone: Sendable, Codable, Equatable {
        package var portal: String
        package var entityTypeId: Int
        package var originId: String
        package var deletedChangedAt: String
        package var itemId: Int64?
    }

    package struct Move: Sendable, Codable, Equatable {
        package var messageId: String
        package var sourceQueue: String
        package var targetQueue: String
        package var purpose: String
        package var state: String
        package var at: String
    }

    /// What was asked for: an idempotency key, an originId or a message id.
    package var query: String
    package var portal: String?
    package var ledger: [LedgerRow]
    package var itemMap: [MappedItem]
    package var tombstones: [Tombstone]
    package var moves: [Move]

    package var isEmpty: Bool { ledger.isEmpty && itemMap.isEmpty && tombstones.isEmpty }

    /// Reads the history of `query` (a key, an originId or a message id), on `portal` when given.
    package static func load(_ query: String, portal: String?, pool: PQPool) async throws -> LedgerHistory {
        let mapped = try await pool.query(
            """
            SELECT portal, entity_type_id, origin_id, item_id, last_changed_at::text AS last_changed_at,
                   portal_updated_time, updated_at::text AS updated_at
            FROM item_map WHERE origin_id = \(query) AND (\(portal)::text IS NULL OR portal = \(portal))
            ORDER BY portal, entity_type_id
            """
        ).map { row in
            MappedItem(
                portal: try row.decode(String.self, column: "portal"),
                entityTypeId: try row.decode(Int.self, column: "entity_type_id"),
                originId: try row.decode(String.self, column: "origin_id"),
                itemId: try row.decode(Int64.self, column: "item_id"),
                lastChangedAt: try row.decode(String?.self, column: "last_changed_at"),
                portalUpdatedTime: try row.decode(String?.self, column: "portal_updated_time"),
                updatedAt: try row.decode(String.self, column: "updated_at")
            )
        }
        // Pulls of an item carry its portal id, not the ERP's: include them through the item map.
        let itemIDs = mapped.map { "\($0.portal)|\($0.entityTypeId)|\($0.itemId)" }
        let itemList = Self.jsonArray(itemIDs)
        let ledger = try await pool.query(
            """
            SELECT operation, status, portal, entity_type_id, origin_id, item_id, attempts,
                   changed_at::text AS changed_at, message_id, trace_id, error_code, error_message, idempotency_key,
                   created_at::text AS created_at, updated_at::text AS updated_at
            FROM sync_ledger
            WHERE (\(portal)::text IS NULL OR portal = \(portal))
              AND (idempotency_key = \(query) OR origin_id = \(query) OR message_id = \(query)
                   OR portal || '|' || entity_type_id || '|' || item_id
                      IN (SELECT jsonb_array_elements_text(\(itemList)::jsonb)))
            ORDER BY created_at, updated_at
            """
        ).map { row in
            LedgerRow(
                operation: try row.decode(String.self, column: "operation"),
                status: try row.decode(String.self, column: "status"),
                portal: try row.decode(String.self, column: "portal"),
                entityTypeId: try row.decode(Int.self, column: "entity_type_id"),
                originId: try row.decode(String?.self, column: "origin_id"),
                itemId: try row.decode(Int64?.self, column: "item_id"),
                attempts: try row.decode(Int.self, column: "attempts"),
                changedAt: try row.decode(String?.self, column: "changed_at"),
                messageId: try row.decode(String?.self, column: "message_id"),
                traceId: try row.decode(String?.self, column: "trace_id"),
                errorCode: try row.decode(String?.self, column: "error_code"),
                errorMessage: try row.decode(String?.self, column: "error_message"),
                idempotencyKey: try row.decode(String.self, column: "idempotency_key"),
                createdAt: try row.decode(String.self, column: "created_at"),
                updatedAt: try row.decode(String.self, column: "updated_at")
            )
        }
        let originIDs = Set(ledger.compactMap(\.originId) + [query])
        let originList = Self.jsonArray(originIDs.sorted())
        let tombstones = try await pool.query(
            """
            SELECT portal, entity_type_id, origin_id, deleted_changed_at::text AS deleted_changed_at, item_id
            FROM item_tombstones
            WHERE origin_id IN (SELECT jsonb_array_elements_text(\(originList)::jsonb))
              AND (\(portal)::text IS NULL OR portal = \(portal))
            """
        ).map { row in
            Tombstone(
                portal: try row.decode(String.self, column: "portal"),
                entityTypeId: try row.decode(Int.self, column: "entity_type_id"),
                originId: try row.decode(String.self, column: "origin_id"),
                deletedChangedAt: try row.decode(String.self, column: "deleted_changed_at"),
                itemId: try row.decode(Int64?.self, column: "item_id")
            )
        }
        let messageIDs = Set(ledger.compactMap(\.messageId) + [query])
        let messageList = Self.jsonArray(messageIDs.sorted())
        let moves = try await pool.query(
            """
            SELECT message_id, source_queue, target_queue, purpose, state, updated_at::text AS at FROM queue_moves
            WHERE message_id IN (SELECT jsonb_array_elements_text(\(messageList)::jsonb))
            ORDER BY updated_at
            """
        ).map { row in
            Move(
                messageId: try row.decode(String.self, column: "message_id"),
                sourceQueue: try row.decode(String.self, column: "source_queue"),
                targetQueue: try row.decode(String.self, column: "target_queue"),
                purpose: try row.decode(String.self, column: "purpose"),
                state: try row.decode(String.self, column: "state"),
                at: try row.decode(String.self, column: "at")
            )
        }
        return LedgerHistory(
            query: query,
            portal: portal,
            ledger: ledger,
            itemMap: mapped,
            tombstones: tombstones,
            moves: moves
        )
    }

    /// A JSON array of strings, bound as one `jsonb` parameter (libpq takes no arrays here).
    private static func jsonArray(_ values: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(values), as: UTF8.self)) ?? "[]"
    }

    /// The history for people: one line per event, oldest first.
    package var text: String {
        var lines: [String] = []
        for item in itemMap {
            lines.append(
                "item map: \(item.portal) entityTypeId=\(item.entityTypeId) originId=\(item.originId) → item "
                    + "\(item.itemId) (changedAt \(item.lastChangedAt ?? "-"), portal updatedTime "
                    + "\(item.portalUpdatedTime ?? "-"))"
            )
        }
        for tombstone in tombstones {
            lines.append(
                "tombstone: \(tombstone.portal) originId=\(tombstone.originId) deleted at changedAt "
                    + "\(tombstone.deletedChangedAt)"
            )
        }
        lines.append("created\toperation\tstatus\tattempts\titem\tchangedAt\tmessageId\terror")
        for row in ledger {
            let error = row.errorCode.map { code in "\(code): \(row.errorMessage ?? "")" } ?? ""
            lines.append(
                [
                    row.createdAt, row.operation, row.status, "\(row.attempts)", row.itemId.map { "\($0)" } ?? "-",
                    row.changedAt ?? "-", row.messageId ?? "-", error,
                ].joined(separator: "\t")
            )
        }
        for move in moves {
            lines.append("\(move.at)\t\(move.purpose)\t\(move.messageId): \(move.sourceQueue) → \(move.targetQueue)")
        }
        return lines.joined(separator: "\n")
    }
}
