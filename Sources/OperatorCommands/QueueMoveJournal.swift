import Foundation
package import PQClient

/// `queue_moves` (migration 0013): what a queue move did with each message copy it took, so that a move interrupted
/// anywhere (SIGKILL included) and run again publishes every message exactly once.
package struct QueueMoveJournal: Sendable {
    /// One copy's fate.
    package struct Entry: Sendable, Equatable {
        package var sourceCopy: String
        package var targetQueue: String
        package var newCopy: String
        package var messageID: String?
        package var published: Bool
    }

    private let pool: PQPool

    package init(pool: PQPool) {
        self.pool = pool
    }

    /// The entries of `copies` taken from `source`, by source copy.
    package func entries(source: String, copies: [String]) async throws -> [String: Entry] {
        guard !copies.isEmpty else { return [:] }
        let rows = try await pool.query(
            """
            SELECT source_copy, target_queue, new_copy, message_id, state FROM queue_moves
            WHERE source_queue = \(source)
              AND source_copy IN (SELECT jsonb_array_elements_text(\(Self.jsonArray(copies))::jsonb))
            """
        )
        var entries: [String: Entry] = [:]
        for row in rows {
            let entry = try Self.entry(row)
            entries[entry.sourceCopy] = entry
        }
        return entries
    }

    /// Entries a killed move left between "about to publish" and "confirmed".
    package func unresolved(source: String) async throws -> [Entry] {
        try await pool.query(
            """
            SELECT source_copy, target_queue, new_copy, message_id, state FROM queue_moves
            WHERE source_queue = \(source) AND state = 'publishing'
            """
        ).map(Self.entry)
    }

    /// Records that the copies are about to be published (before the first byte goes to the broker).
    package func begin(source: String, _ entries: [Entry], purpose: String, runID: String) async throws {
        guard !entries.isEmpty else { return }
        let objects: [[String: String]] = entries.map { entry in
            var object = ["copy": entry.sourceCopy, "target": entry.targetQueue, "new": entry.newCopy]
            object["message"] = entry.messageID
            return object
        }
        let json = String(decoding: try JSONEncoder().encode(objects), as: UTF8.self)
        try await pool.execute(
            """
            INSERT INTO queue_moves (source_queue, source_copy, target_queue, new_copy, message_id, state, purpose,
                                     run_id)
            SELECT \(source), e->>'copy', e->>'target', e->>'new', e->>'message', 'publishing', \(purpose), \(runID)
            FROM jsonb_array_elements(\(json)::jsonb) AS e
            """
        )
    }

    /// Records that the broker confirmed the copies: from now on the originals are only acknowledged.
    package func markPublished(source: String, copies: [String]) async throws {
        guard !copies.isEmpty else { return }
        try await pool.execute(
            """
            UPDATE queue_moves SET state = 'published', updated_at = now()
            WHERE source_queue = \(source)
              AND source_copy IN (SELECT jsonb_array_elements_text(\(Self.jsonArray(copies))::jsonb))
            """
        )
    }

    /// Drops entries of moves finished long ago: an original acknowledged a month ago cannot come back.
    package func prune(olderThanDays days: Int = 30) async throws {
        try await pool.execute(
            """
            DELETE FROM queue_moves
            WHERE state = 'published' AND updated_at < now() - make_interval(days => \(days)::int)
            """
        )
    }

    /// Forgets entries whose copy never reached the target: their originals are still in the source.
    package func forget(source: String, copies: [String]) async throws {
        guard !copies.isEmpty else { return }
        try await pool.execute(
            """
            DELETE FROM queue_moves WHERE source_queue = \(source) AND state = 'publishing'
              AND source_copy IN (SELECT jsonb_array_elements_text(\(Self.jsonArray(copies))::jsonb))
            """
        )
    }

    private static func entry(_ row: PQRow) throws -> Entry {
        Entry(
            sourceCopy: try row.decode(String.self, column: "source_copy"),
            targetQueue: try row.decode(String.self, column: "target_queue"),
            newCopy: try row.decode(String.self, column: "new_copy"),
            messageID: try row.decode(String?.self, column: "message_id"),
            published: try row.decode(String.self, column: "state") == "published"
        )
    }

    private static func jsonArray(_ values: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(values), as: UTF8.self)) ?? "[]"
    }
}
