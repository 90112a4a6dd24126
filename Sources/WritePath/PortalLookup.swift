package import Bitrix24
package import FleetRuntime
import Foundation
import SyncCore
import Synchronization

/// Finds items on the portal by their ERP id (`originId` on deals, `xmlId` on smart processes), many at once.
///
/// One `crm.item.list` command with an `@<field>` (IN) filter answers for many ids; a batch of such commands answers
/// for the changes in hand and for those waiting behind them. Answers about the waiting ones are kept in
/// ``LookupCache``: when their turn comes they are written without a look-up of their own, so a stream of new items
/// costs about one portal request per 50 changes instead of two.
package struct PortalLookup: Sendable {
    /// An item to look for: its identity and the field that carries its ERP id.
    package struct Target: Sendable, Hashable {
        package var item: ItemLedger.ItemKey
        package var field: String
    }

    /// What the portal said about one ERP id.
    package enum Verdict: Sendable, Equatable {
        case found(Int64)
        /// No item carries this ERP id (only concluded from a complete answer).
        case absent
    }

    /// Ids per command: a list answers at most 50 rows, so a command for the changes in hand stays at 50 values
    /// (a complete answer); look-ahead commands carry more and conclude "absent" only from a short answer.
    static let exactChunk = 50
    static let aheadChunk = 1000

    private let budget: PortalRequestBudget

    package init(budget: PortalRequestBudget) {
        self.budget = budget
    }

    /// Looks up `needed` (answers are complete for each) and `ahead` (answers where the portal's reply allows) in one
    /// batch request.
    package func verdicts(needed: [Target], ahead: [Target], on portal: PortalConnection) async throws
        -> [ItemLedger.ItemKey: Verdict]
    {
        var chunks: [[Target]] = []
        for group in Dictionary(grouping: needed, by: \.item.entityTypeId).values {
            chunks += stride(from: 0, to: group.count, by: Self.exactChunk).map {
                Array(group[$0..<min($0 + Self.exactChunk, group.count)])
            }
        }
        chunks += Self.aheadChunks(ahead, limit: Bitrix24Client.maximumBatchSize - chunks.count)
        guard !chunks.isEmpty else { return [:] }
        try await budget.acquire(portal: portal.domain, limit: portal.limit)
        let response = try await portal.client.batch(
            chunks.enumerated().map { Self.command(name: "find\($0)", chunk: $1) }
        )
        return try Self.verdicts(from: response, chunks: chunks, prefix: "find", portal: portal.domain)
    }

    /// Splits look-ahead targets into commands of ``aheadChunk`` values, at most `limit` of them.
    package static func aheadChunks(_ targets: [Target], limit: Int) -> [[Target]] {
        var chunks: [[Target]] = []
        for group in Dictionary(grouping: targets, by: \.item.entityTypeId).values where chunks.count < limit {
            chunks += stride(from: 0, to: group.count, by: aheadChunk).prefix(limit - chunks.count).map {
                Array(group[$0..<min($0 + aheadChunk, group.count)])
            }
        }
        return chunks
    }

    /// One `crm.item.list` finding the chunk's ERP ids (`@<field>` is IN), lowest id first, without counting.
    package static func command(name: String, chunk: [Target]) -> Bitrix24BatchCommand {
        Bitrix24BatchCommand(
            name: name,
            method: "crm.item.list",
            params: [
                "entityTypeId": .int(Int64(chunk[0].item.entityTypeId)),
                "select": ["id", .string(chunk[0].field)],
                "filter": .object(
                    JSONObject([("@" + chunk[0].field, .array(chunk.map { .string($0.item.originId) }))])
                ),
                "order": ["id": "ASC"],
                "start": -1,
            ]
        )
    }

    /// The verdicts in the answers to commands `<prefix>0`, `<prefix>1`, … built from `chunks`.
    package static func verdicts(
        from response: Bitrix24BatchResponse,
        chunks: [[Target]],
        prefix: String,
        portal: String
    ) throws -> [ItemLedger.ItemKey: Verdict] {
        var verdicts: [ItemLedger.ItemKey: Verdict] = [:]
        for (index, chunk) in chunks.enumerated() {
            let rows = try response["\(prefix)\(index)"]?.get().result["items"]?.arrayValue ?? []
            let field = chunk[0].field
            for row in rows {
                guard let id = row["id"]?.integerValue, let originId = row[field]?.stringValue else { continue }
                let item = ItemLedger.ItemKey(
                    portal: portal,
                    entityTypeId: chunk[0].item.entityTypeId,
                    originId: originId
                )
                // The lowest id wins if the portal already holds duplicates: the same choice on every replica.
                if case .found(let known) = verdicts[item], known < id { continue }
                verdicts[item] = .found(id)
            }
            // Fewer rows than a page holds: the answer is complete, and every id not in it is absent.
            if rows.count < exactChunk {
                for target in chunk where verdicts[target.item] == nil { verdicts[target.item] = .absent }
            }
        }
        return verdicts
    }
}

/// Look-up answers about changes still waiting in the buffer, for the lanes of one worker process.
///
/// An answer is used only while it is fresh and only for an item that no replica has written since: the upsert path
/// checks the ledger under the item's lock (``LedgerState/touched``) before it trusts an "absent".
package final class LookupCache: Sendable {
    private struct Entry {
        var verdict: PortalLookup.Verdict
        var storedAt: ContinuousClock.Instant
    }

    private let entries = Mutex<[ItemLedger.ItemKey: Entry]>([:])
    /// Items a look-up request in flight will answer for: a lane that needs one of them waits for that answer
    /// rather than spending a request of its own.
    private let pending = Mutex<Set<ItemLedger.ItemKey>>([])
    private let lifetime: Duration

    package init(lifetime: Duration = .seconds(120)) {
        self.lifetime = lifetime
    }

    /// The fresh answer for `item`, removed from the cache (an answer serves one write).
    package func take(_ item: ItemLedger.ItemKey) -> PortalLookup.Verdict? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries.removeValue(forKey: item), now - entry.storedAt < lifetime else { return nil }
            return entry.verdict
        }
    }

    /// Whether a fresh answer for `item` is waiting (so it need not be asked again).
    package func contains(_ item: ItemLedger.ItemKey) -> Bool {
        let now = ContinuousClock.now
        return entries.withLock { $0[item].map { now - $0.storedAt < lifetime } ?? false }
    }

    /// Marks `items` as being looked up by a request about to be sent.
    package func markPending(_ items: some Sequence<ItemLedger.ItemKey>) {
        pending.withLock { $0.formUnion(items) }
    }

    /// The request for `items` has ended (answered or not).
    package func clearPending(_ items: some Sequence<ItemLedger.ItemKey>) {
        pending.withLock { $0.subtract(items) }
    }

    /// Waits, up to `timeout`, while a request in flight is looking any of `items` up.
    package func waitWhilePending(_ items: [ItemLedger.ItemKey], timeout: Duration = .seconds(30)) async {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, pending.withLock({ set in items.contains { set.contains($0) } }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    package func store(_ verdicts: [ItemLedger.ItemKey: PortalLookup.Verdict]) {
        let now = ContinuousClock.now
        entries.withLock { entries in
            if entries.count > 50_000 { entries.removeAll() }
            for (item, verdict) in verdicts { entries[item] = Entry(verdict: verdict, storedAt: now) }
        }
    }
}
