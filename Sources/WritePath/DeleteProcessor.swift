package import AMQPClient
import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore

/// Applies ERP deletes (seed §6 delete row; capability matrix: `crm.item.delete` is optional).
///
/// The item is found by the message's `id`, else through the item map, else on the portal by its ERP id; the
/// idempotency key is then `portal + entityTypeId + id + opType`. An item already gone counts as deleted. Where the
/// portal does not offer `crm.item.delete`, the fleet publishes `<entity>.soft_close` so the ERP closes it instead.
/// A portal whose ``WritePlan`` is ``WritePlan/Route/legacyDeals`` is read and written through `crm.deal.*`
/// (``LegacyDealDialect``); the decoder holds the messages of a portal that cannot be synced at all.
package struct DeleteProcessor: Sendable {
    package let decoder: ChangeDecoder
    package let ledger: ItemLedger
    package let budget: PortalRequestBudget
    package let pool: PQPool
    package let logger: Logger
    private let settlement: WriteSettlement

    package init(
        contract: IntegrationContract,
        decoder: ChangeDecoder,
        pool: PQPool,
        router: MessageRouter,
        changes: AMQPPublisher,
        logger: Logger,
        renewal: ExpiredTokenRenewal? = nil
    ) {
        let ledger = ItemLedger(pool: pool)
        let budget = PortalRequestBudget(pool: pool)
        self.decoder = decoder
        self.ledger = ledger
        self.budget = budget
        self.pool = pool
        self.logger = logger
        self.settlement = WriteSettlement(
            operation: .delete,
            policy: contract.retryPolicy(for: .delete),
            ledger: ledger,
            budget: budget,
            router: router,
            changes: changes,
            logger: logger,
            renewal: renewal
        )
    }

    package func process(_ deliveries: [AMQPDelivery]) async throws {
        var candidates: [ChangeCandidate] = []
        for delivery in deliveries {
            switch await decoder.decode(delivery) {
            case .success(let candidate): candidates.append(candidate)
            case .failure(let rejection): try await settlement.reject(delivery, rejection)
            }
        }
        for group in Dictionary(grouping: candidates, by: \.portal.domain).values {
            try await deleteLocking(group)
        }
    }

    /// Takes the items' advisory locks (the same ones the upsert path takes, so a delete and a write of one item
    /// never interleave), deletes what it could lock, and holds the rest briefly.
    private func deleteLocking(_ group: [ChangeCandidate]) async throws {
        guard let portal = group.first?.portal else { return }
        try await settlement.withItemLocks(group, pool: pool) { mine in
            guard !mine.isEmpty else { return }
            do {
                let plan = try await decoder.capabilities.plan(for: portal)
                try await delete(try await resolve(mine, on: portal, plan: plan), on: portal, plan: plan)
            } catch let error as Bitrix24Error {
                try await settlement.fail(mine, with: error, portal: portal)
            }
        }
    }

    /// Gives each candidate its portal id (nil when the item exists nowhere) and its idempotency key.
    private func resolve(_ group: [ChangeCandidate], on portal: PortalConnection, plan: WritePlan) async throws
        -> [(candidate: ChangeCandidate, itemID: Int64?)]
    {
        let mapped = try await ledger.states(
            of: group.map { ("delete-resolve:\($0.change.messageId)", $0.item) }
        )
        var resolved: [(candidate: ChangeCandidate, itemID: Int64?)] = []
        var unknown: [ChangeCandidate] = []
        for candidate in group {
            if let id = candidate.change.id ?? mapped["delete-resolve:\(candidate.change.messageId)"]?.mappedItemID {
                resolved.append((candidate, id))
            } else {
                unknown.append(candidate)
            }
        }
        for candidate in unknown {
            let field = candidate.mapping.erpIdField
            try await budget.acquire(portal: portal.domain, limit: portal.limit)
            if plan.route == .legacyDeals {
                let lookUp = LegacyDealDialect.lookUpCommand(
                    name: "find",
                    originIds: [candidate.change.originId],
                    erpIdField: field
                )
                let answer = try await portal.client.call(lookUp.method, lookUp.params)
                let ids = LegacyDealDialect.parseLookUp(answer, erpIdField: field)
                resolved.append((candidate, ids[candidate.change.originId]))
                continue
            }
            let answer = try await portal.client.call(
                "crm.item.list",
                [
                    "entityTypeId": .int(Int64(candidate.entityTypeId)), "select": ["id"],
                    "filter": .object(JSONObject([(field, .string(candidate.change.originId))])),
                    "order": ["id": "ASC"], "start": -1,
                ]
            )
            resolved.append((candidate, answer.result["items"]?.arrayValue?.first?["id"]?.integerValue))
        }
        return try resolved.map { item in
            var candidate = item.candidate
            if let id = item.itemID {
                candidate.key = try decoder.contract.deleteKey(
                    portal: candidate.change.portal,
                    entityTypeId: candidate.entityTypeId,
                    id: id,
                    opType: "delete"
                )
            }
            return (candidate, item.itemID)
        }
    }

    private func delete(
        _ items: [(candidate: ChangeCandidate, itemID: Int64?)],
        on portal: PortalConnection,
        plan: WritePlan
    ) async throws {
        var done: [LedgerEntry] = []
        var gone: [(item: ItemLedger.ItemKey, changedAt: Double, itemID: Int64?)] = []
        var pending: [(candidate: ChangeCandidate, itemID: Int64)] = []
        let states = try await ledger.states(
            of: items.compactMap { i in i.candidate.key.map { ($0.rawValue, i.candidate.item) } }
        )
        for (candidate, itemID) in items {
            guard let itemID else {
                // Nowhere to be found: an item already gone counts as deleted.
                done.append(settlement.entry(candidate, status: "done", errorCode: "already_gone"))
                gone.append((candidate.item, candidate.change.changedAt.secondsSince1970, nil))
                continue
            }
            let state = candidate.key.flatMap { states[$0.rawValue] }
            if state?.status == "done" { continue }
            if let last = state?.lastChangedAt, last > candidate.change.changedAt.secondsSince1970 {
                // The ERP changed the item again after this delete: the delete is older, and must not win.
                done.append(settlement.entry(candidate, status: "stale", itemID: itemID))
                continue
            }
            pending.append((candidate, itemID))
        }
        try await ledger.record(done)
        try await ledger.entomb(gone)
        guard !pending.isEmpty else { return }

        if !plan.canDelete {
            try await softClose(pending, on: portal)
            return
        }
        try await ledger.record(
            pending.map { settlement.entry($0.candidate, status: "in_progress", itemID: $0.itemID) }
        )
        let commands = pending.enumerated().map { index, item in
            if plan.route == .legacyDeals {
                return LegacyDealDialect.deleteCommand(name: "d\(index)", id: item.itemID)
            }
            return Bitrix24BatchCommand(
                name: "d\(index)",
                method: "crm.item.delete",
                params: ["entityTypeId": .int(Int64(item.candidate.entityTypeId)), "id": .int(item.itemID)]
            )
        }
        try await budget.acquire(portal: portal.domain, limit: portal.limit)
        logger.debug(
            "portal write",
            metadata: [
                "portal": "\(portal.domain)", "method": "batch", "commands": "\(commands.count)",
                "trace_ids": "\(pending.map(\.candidate.traceID).joined(separator: ","))",
            ]
        )
        let response = try await FleetMetrics.timedPortalCall(method: "batch") {
            try await portal.client.batch(commands)
        }
        var entries: [LedgerEntry] = []
        var outcomes: [WriteOutcome] = []
        var deleted: [B24Change] = []
        var failures: [(ChangeCandidate, Bitrix24Error)] = []
        for (index, item) in pending.enumerated() {
            switch response.outcome(of: "d\(index)") {
            case .success:
                entries.append(settlement.entry(item.candidate, status: "done", itemID: item.itemID))
                outcomes.append(WriteOutcome(portal: portal.domain, operation: .delete, succeeded: true))
                deleted.append(change(.deleted, item.candidate, itemID: item.itemID))
            case .failure(let error) where error.code == .notFound || LegacyDealDialect.isNotFound(error):
                // A retry of a delete that already happened answers NOT_FOUND: the item is gone, as wanted.
                entries.append(
                    settlement.entry(item.candidate, status: "done", itemID: item.itemID, errorCode: "already_gone")
                )
                outcomes.append(WriteOutcome(portal: portal.domain, operation: .delete, succeeded: true))
            case .failure(let error):
                failures.append((item.candidate, error))
            }
        }
        try await ledger.record(entries, outcomes: outcomes)
        let deletedIDs = Set(entries.compactMap(\.itemID))
        try await ledger.entomb(
            pending.filter { deletedIDs.contains($0.itemID) }.map {
                ($0.candidate.item, $0.candidate.change.changedAt.secondsSince1970, $0.itemID)
            }
        )
        try await settlement.publish(deleted)
        for (candidate, error) in failures {
            try await settlement.fail([candidate], with: error, portal: portal)
        }
    }

    /// The capability matrix's fallback for a portal without `crm.item.delete`: tell the ERP to close the item.
    private func softClose(_ pending: [(candidate: ChangeCandidate, itemID: Int64)], on portal: PortalConnection)
        async throws
    {
        try await ledger.record(
            pending.map { settlement.entry($0.candidate, status: "done", itemID: $0.itemID, errorCode: "soft_close") }
        )
        try await settlement.publish(pending.map { change(.softClose, $0.candidate, itemID: $0.itemID) })
    }

    private func change(_ kind: B24Change.Kind, _ candidate: ChangeCandidate, itemID: Int64) -> B24Change {
        B24Change(
            kind: kind,
            portal: candidate.change.portal,
            entity: candidate.change.entity,
            entityTypeId: candidate.entityTypeId,
            id: itemID,
            originId: candidate.change.originId,
            updatedTime: nil,
            item: nil,
            drift: nil,
            traceId: candidate.traceID
        )
    }
}
