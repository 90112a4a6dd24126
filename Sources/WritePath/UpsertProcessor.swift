package import AMQPClient
import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore

/// Applies a batch of ERP upserts to the portal with an exactly-once effect (seed §6, DESIGN.md):
///
/// 1. decode and validate each message; a bad one is dead-lettered with its reason;
/// 2. of several changes to one item, only the newest is written, the others are recorded `superseded`;
/// 3. take each item's advisory lock (another replica writing the same item: hold the message briefly);
/// 4. skip keys already `done` (no portal call) and changes older than the newest applied (`stale`);
/// 5. commit `in_progress` ledger rows, so a crash after the portal call is recognised on redelivery;
/// 6. find items without a map entry on the portal by `originId` / `xmlId` (one list command for the batch);
/// 7. add or update them in one `batch` request (one request against the portal's limit for up to 50 changes);
/// 8. commit ledger rows, item map and write outcomes; publish `<entity>.synced`; route failures to retry
///    delays or the dead-letter queue.
///
/// `process` returns once every message's outcome is committed or safely published, so the caller may then
/// acknowledge all of them; if it throws, nothing is lost by requeueing the whole batch, since every step is
/// idempotent by key.
package struct UpsertProcessor: Sendable {
    package let contract: IntegrationContract
    package let decoder: ChangeDecoder
    package let ledger: ItemLedger
    package let budget: PortalRequestBudget
    package let router: MessageRouter
    package let pool: PQPool
    package let logger: Logger
    private let settlement: WriteSettlement
    private let lookup: PortalLookup
    private let pacer: OperatingTimePacer
    private let lookAhead = LookupCache()
    private let aheadKeys = LookAheadKeys()
    private let stages: StageRequirementStore
    private let turns = PortalTurns()
    /// How many waiting deliveries a look-up request also answers for.
    private let lookAheadLimit = 1000
    /// How long a write sent by a worker that then died may still land on the portal (the HTTP client's total
    /// timeout): until then a look-up by originId can miss it, so the item is not written again.
    private let inFlightWindow: Duration

    /// The production value of the in-flight window: the workers' HTTP total timeout.
    package static let defaultInFlightWindow: Duration = .seconds(65)

    package init(
        contract: IntegrationContract,
        decoder: ChangeDecoder,
        pool: PQPool,
        router: MessageRouter,
        changes: AMQPPublisher,
        logger: Logger,
        inFlightWindow: Duration = UpsertProcessor.defaultInFlightWindow,
        operatingBudgetSeconds: Double = OperatingTimePacer.defaultBudgetSeconds,
        renewal: ExpiredTokenRenewal? = nil
    ) {
        self.inFlightWindow = inFlightWindow
        self.contract = contract
        self.decoder = decoder
        let ledger = ItemLedger(pool: pool)
        let budget = PortalRequestBudget(pool: pool)
        self.ledger = ledger
        self.budget = budget
        self.lookup = PortalLookup(budget: budget)
        self.stages = StageRequirementStore(pool: pool)
        self.pacer = OperatingTimePacer(pool: pool, budgetSeconds: operatingBudgetSeconds)
        self.router = router
        self.pool = pool
        self.logger = logger
        self.settlement = WriteSettlement(
            operation: .upsert,
            policy: contract.retryPolicy(for: .upsert),
            ledger: ledger,
            budget: budget,
            router: router,
            changes: changes,
            logger: logger,
            renewal: renewal
        )
    }

    package func process(_ deliveries: [AMQPDelivery], upcoming: UpcomingDeliveries = UpcomingDeliveries()) async throws
    {
        var candidates: [ChangeCandidate] = []
        for delivery in deliveries {
            switch await decoder.decode(delivery) {
            case .success(let candidate): candidates.append(candidate)
            case .failure(let rejection): try await settlement.reject(delivery, rejection)
            }
        }
        for group in Dictionary(grouping: candidates, by: \.portal.domain).values {
            try await write(group, upcoming: upcoming)
        }
    }

    // MARK: steps

    /// Steps 2 to 8 for the changes of one portal.
    private func write(_ group: [ChangeCandidate], upcoming: UpcomingDeliveries) async throws {
        var superseded: [LedgerEntry] = []
        var newest: [ItemLedger.ItemKey: ChangeCandidate] = [:]
        for candidate in group {
            // The same change twice (a redelivery next to its held or retried copy): one write settles both, and
            // recording either as superseded would mark the key decided without any write.
            if let current = newest[candidate.item], current.key == candidate.key { continue }
            if let current = newest[candidate.item], current.change.changedAt > candidate.change.changedAt {
                superseded.append(settlement.entry(candidate, status: "superseded"))
            } else {
                if let current = newest[candidate.item] {
                    superseded.append(settlement.entry(current, status: "superseded"))
                }
                newest[candidate.item] = candidate
            }
        }
        try await ledger.record(superseded)

        let latest = Array(newest.values)
        guard let portal = latest.first?.portal else { return }
        guard portal.limit != nil else {
            try await settlement.withItemLocks(latest, pool: pool) { try await writeLocked($0, upcoming: upcoming) }
            return
        }
        let targets = latest.map { PortalLookup.Target(item: $0.item, field: $0.mapping.erpIdField) }
        try await turns.withTurn(portal: portal.domain, targets: targets) {
            try await settlement.withItemLocks(latest, pool: pool) { try await writeLocked($0, upcoming: upcoming) }
        }
    }

    private func writeLocked(_ candidates: [ChangeCandidate], upcoming: UpcomingDeliveries) async throws {
        guard let portal = candidates.first?.portal else { return }
        let states = try await ledger.states(of: candidates.compactMap { c in c.key.map { ($0.rawValue, c.item) } })
        var finished: [LedgerEntry] = []
        var pending: [(candidate: ChangeCandidate, state: LedgerState)] = []
        var inFlight: [(candidate: ChangeCandidate, waitMilliseconds: Int)] = []
        var refused: [(candidate: ChangeCandidate, code: String, message: String)] = []
        let window = Double(inFlightWindow.components.seconds) + Double(inFlightWindow.components.attoseconds) / 1e18
        for candidate in candidates {
            guard let key = candidate.key else { continue }
            let state = states[key.rawValue] ?? LedgerState()
            switch state.status {
            case "done", "stale", "superseded", "dead":
                continue  // already decided: acknowledge without a portal call
            default:
                if state.isStale(changedAt: candidate.change.changedAt.secondsSince1970) {
                    finished.append(settlement.entry(candidate, status: "stale"))
                } else if let age = state.unansweredAge, age < window {
                    // A worker died after sending a write for this item: wait until that write has landed or
                    // can no longer land, else the look-up below could miss it and add a second item.
                    inFlight.append((candidate, max(1000, Int((window - age) * 1000))))
                } else if let violation = try await stageViolation(candidate, state: state) {
                    refused.append((candidate, "invalid_fields", violation.message(entity: candidate.change.entity)))
                } else {
                    pending.append((candidate, state))
                }
            }
        }
        try await settlement.refuse(refused)
        try await ledger.record(finished + pending.map { settlement.entry($0.candidate, status: "in_progress") })
        for (candidate, waitMilliseconds) in inFlight {
            try await router.hold(
                candidate.delivery,
                forAtLeast: waitMilliseconds,
                errorCode: "WRITE_IN_FLIGHT",
                errorMessage: "a worker died during a write of this item; waiting until that write can no longer land"
            )
        }
        guard !pending.isEmpty else { return }

        // Items the map does not know are looked up by their ERP id; a key left in_progress by a crash is
        // resolved the same way, so a retried add never creates a second item.
        // A portal flagged crm_legacy_bridge that lacks crm.item.* is written through crm.deal.* (the decoder
        // already held everything else such a portal cannot take).
        let legacy: Bool
        let ids: [ItemLedger.ItemKey: Int64]
        do {
            legacy = try await decoder.capabilities.plan(for: portal).route == .legacyDeals
            let unmapped = pending.filter { $0.state.mappedItemID == nil }
            ids =
                legacy
                ? try await legacyItemIDs(of: unmapped.map(\.candidate), on: portal)
                : try await itemIDs(of: unmapped, on: portal, upcoming: upcoming)
        } catch let error as Bitrix24Error {
            try await fail(pending.map(\.candidate), with: error, portal: portal)
            return
        }
        var commands: [Bitrix24BatchCommand] = []
        var updatedIDs: [Int: Int64] = [:]
        for (index, item) in pending.enumerated() {
            let itemID = item.state.mappedItemID ?? ids[item.candidate.item]
            updatedIDs[index] = itemID
            commands.append(command(for: item.candidate, itemID: itemID, name: "w\(index)", legacy: legacy))
        }
        // Spare room in the request looks up the changes waiting behind this batch, so that they need no look-up
        // request of their own: a stream of new items then costs one request per batch.
        let aheadChunks =
            legacy
            ? []
            : PortalLookup.aheadChunks(
                await aheadTargets(upcoming, on: portal),
                limit: Bitrix24Client.maximumBatchSize - commands.count
            )
        commands += aheadChunks.enumerated().map { PortalLookup.command(name: "ahead\($0)", chunk: $1) }
        let aheadItems = aheadChunks.joined().map(\.item)
        lookAhead.markPending(aheadItems)
        defer { lookAhead.clearPending(aheadItems) }
        let methods = Dictionary(uniqueKeysWithValues: commands.map { ($0.name, $0.method) })
        let response: Bitrix24BatchResponse
        do {
            try await pacer.check(portal: portal.domain, methods: Set(methods.values))
            try await budget.acquire(portal: portal.domain, limit: portal.limit)
            logger.debug(
                "portal write",
                metadata: [
                    "portal": "\(portal.domain)", "method": "batch", "commands": "\(commands.count)",
                    "trace_ids": "\(pending.map(\.candidate.traceID).joined(separator: ","))",
                ]
            )
            response = try await FleetMetrics.timedPortalCall(method: "batch") {
                try await portal.client.batch(commands)
            }
        } catch let error as Bitrix24Error {
            lookAhead.clearPending(aheadItems)
            try await pacer.observe(portal: portal.domain, methods: Set(methods.values), error: error)
            try await fail(pending.map(\.candidate), with: error, portal: portal)
            return
        }
        try await pacer.observe(portal: portal.domain, methods: methods, response: response)
        if let verdicts = try? PortalLookup.verdicts(
            from: response,
            chunks: aheadChunks,
            prefix: "ahead",
            portal: portal.domain
        ) {
            lookAhead.store(verdicts)
        }
        lookAhead.clearPending(aheadItems)
        try await settle(
            pending.map(\.candidate),
            response: legacy ? Self.itemShaped(response, updatedIDs: updatedIDs) : response,
            portal: portal
        )
    }

    /// Legacy answers (`crm.deal.add` returns the id, `crm.deal.update` returns true) in the `crm.item.*` shape.
    private static func itemShaped(_ response: Bitrix24BatchResponse, updatedIDs: [Int: Int64]) -> Bitrix24BatchResponse
    {
        var shaped = response
        for (name, result) in response.results {
            guard case .success(let answer) = result, let index = Int(name.dropFirst()) else { continue }
            shaped.results[name] =
                LegacyDealDialect.itemAnswer(answer, itemID: updatedIDs[index]).map { .success($0) }
                ?? .failure(
                    Bitrix24Error(code: .other, message: "the portal answered \(answer.result) to a deal write")
                )
        }
        return shaped
    }

    /// Deal ids by ERP id through `crm.deal.list` (the legacy bridge; no look-ahead).
    private func legacyItemIDs(of candidates: [ChangeCandidate], on portal: PortalConnection) async throws
        -> [ItemLedger.ItemKey: Int64]
    {
        guard !candidates.isEmpty else { return [:] }
        let field = candidates[0].mapping.erpIdField
        try await budget.acquire(portal: portal.domain, limit: portal.limit)
        let response = try await portal.client.batch([
            LegacyDealDialect.lookUpCommand(
                name: "find",
                originIds: candidates.map(\.change.originId),
                erpIdField: field
            )
        ])
        guard let answer = try response["find"]?.get() else { return [:] }
        let found = LegacyDealDialect.parseLookUp(answer, erpIdField: field)
        var ids: [ItemLedger.ItemKey: Int64] = [:]
        for candidate in candidates {
            if let id = found[candidate.change.originId] { ids[candidate.item] = id }
        }
        return ids
    }

    /// The required fields `candidate` leaves empty as it enters a stage, from the stage requirements declared or
    /// learned for its portal.
    private func stageViolation(_ candidate: ChangeCandidate, state: LedgerState) async throws
        -> StageRequirements.Violation?
    {
        guard let fields = candidate.change.fields?.objectValue, fields["stageId"] != nil else { return nil }
        let requirements = try await stages.requirements(
            portal: candidate.portal.domain,
            entityTypeId: candidate.entityTypeId
        )
        return requirements.violation(
            of: fields,
            writtenStage: state.writtenStage,
            isKnownItem: state.mappedItemID != nil
        )
    }

    /// A `CRM_FIELD_ERROR_REQUIRED` for a change that entered a stage teaches the fleet that stage's requirement, so
    /// the next such change is refused before the call. A field `crm.item.fields` marks required everywhere is no
    /// stage requirement.
    private func learnStageRequirement(from error: Bitrix24Error, candidates: [ChangeCandidate]) async {
        guard error.code == .fieldRequired else { return }
        for candidate in candidates {
            guard let stage = candidate.change.fields?["stageId"]?.stringValue,
                let schema = try? await decoder.fieldSchemas.fields(
                    of: candidate.portal,
                    entityTypeId: candidate.entityTypeId
                ),
                let field = StageRequirements.fieldNamed(inRefusal: error.message, schema: schema),
                schema[field]?["isRequired"]?.boolValue != true
            else { continue }
            do {
                try await stages.learn(
                    portal: candidate.portal.domain,
                    entityTypeId: candidate.entityTypeId,
                    stage: stage,
                    field: field,
                    logger: logger
                )
            } catch {
                logger.warning("could not record a stage requirement", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Routes a failed call. A hold (an operating-time limit, an expired OAuth token) leaves the ledger rows
    /// `in_progress`: they get the portal's error code, which tells the next attempt that this one was answered, so
    /// it has no write in flight to wait for.
    private func fail(_ candidates: [ChangeCandidate], with error: Bitrix24Error, portal: PortalConnection)
        async throws
    {
        await learnStageRequirement(from: error, candidates: candidates)
        if error.code == .operationTimeLimit || error.code == .expiredToken {
            let errorCode = error.reportedCode
            try await ledger.record(
                candidates.map {
                    settlement.entry($0, status: "in_progress", errorCode: errorCode, errorMessage: error.message)
                }
            )
        }
        try await settlement.fail(candidates, with: error, portal: portal)
    }

    /// The portal ids of items the map does not know: from an earlier look-ahead answer where one is fresh and no
    /// replica has touched the item since, else from one look-up request that also answers for the changes waiting
    /// behind this batch. A key left `in_progress` by a crash is always looked up again, so a retried add never
    /// creates a second item.
    private func itemIDs(
        of unmapped: [(candidate: ChangeCandidate, state: LedgerState)],
        on portal: PortalConnection,
        upcoming: UpcomingDeliveries
    ) async throws -> [ItemLedger.ItemKey: Int64] {
        var ids: [ItemLedger.ItemKey: Int64] = [:]
        var needed: [PortalLookup.Target] = []
        // Another lane's request may already be asking the portal about these items. Where requests are the scarce
        // resource (a portal with a request limit), that answer is worth a wait; elsewhere a look-up is cheaper.
        if portal.limit != nil {
            await lookAhead.waitWhilePending(unmapped.filter { !$0.state.touched }.map(\.candidate.item))
        }
        for (candidate, state) in unmapped {
            if !state.touched, let verdict = lookAhead.take(candidate.item) {
                if case .found(let id) = verdict { ids[candidate.item] = id }
                continue
            }
            needed.append(PortalLookup.Target(item: candidate.item, field: candidate.mapping.erpIdField))
        }
        guard !needed.isEmpty else { return ids }
        let neededItems = Set(needed.map(\.item))
        let ahead = await aheadTargets(upcoming, on: portal).filter { !neededItems.contains($0.item) }
        lookAhead.markPending(ahead.map(\.item))
        defer { lookAhead.clearPending(ahead.map(\.item)) }
        var verdicts = try await lookup.verdicts(needed: needed, ahead: ahead, on: portal)
        for target in needed {
            switch verdicts.removeValue(forKey: target.item) {
            case .found(let id): ids[target.item] = id
            case .absent: break
            case nil:
                throw Bitrix24Error(
                    code: .malformedResponse,
                    message: "the look-up of \(target.item.originId) gave no complete answer; it will be retried"
                )
            }
        }
        lookAhead.store(verdicts)
        return ids
    }

    /// The upserts waiting behind this batch for the same portal whose items are not answered for yet, the next
    /// to be written first: those of the lanes waiting for their turn on the portal, then the buffer's in arrival
    /// order. Read cheaply (no validation: a wrong guess only costs a look-up value).
    private func aheadTargets(_ upcoming: UpcomingDeliveries, on portal: PortalConnection) async
        -> [PortalLookup.Target]
    {
        var targets: [PortalLookup.Target] = []
        var seen = Set<PortalLookup.Target>()
        for target in turns.waitingTargets(portal: portal.domain)
        where !lookAhead.contains(target.item) && seen.insert(target).inserted {
            targets.append(target)
        }
        for key in aheadKeys.keys(of: await upcoming.peek(limit: lookAheadLimit)) {
            guard key.portal == portal.domain, let entityTypeId = portal.entityTypeId(for: key.entity),
                let mapping = contract.entity(named: key.entity)
            else { continue }
            let item = ItemLedger.ItemKey(portal: portal.domain, entityTypeId: entityTypeId, originId: key.originId)
            let target = PortalLookup.Target(item: item, field: mapping.erpIdField)
            if !lookAhead.contains(item), seen.insert(target).inserted { targets.append(target) }
        }
        // Items the map knows need no look-up; asking for them anyway would fill the answer's page with them and
        // leave it inconclusive for the new ones.
        let mapped = (try? await ledger.mappedItems(Array(targets.map(\.item)))) ?? []
        return targets.filter { !mapped.contains($0.item) }
    }

    private func command(for candidate: ChangeCandidate, itemID: Int64?, name: String, legacy: Bool)
        -> Bitrix24BatchCommand
    {
        var fields = candidate.change.fields?.objectValue ?? JSONObject()
        if legacy {
            guard let itemID else {
                return LegacyDealDialect.addCommand(
                    name: name,
                    fields: fields,
                    originId: candidate.change.originId,
                    originatorId: candidate.mapping.originatorId,
                    erpIdField: candidate.mapping.erpIdField
                )
            }
            return LegacyDealDialect.updateCommand(name: name, id: itemID, fields: fields)
        }
        var params: JSONObject = ["entityTypeId": .int(Int64(candidate.entityTypeId)), "useOriginalUfNames": "N"]
        if let itemID {
            params["id"] = .int(itemID)
            params["fields"] = .object(fields)
            return Bitrix24BatchCommand(name: name, method: "crm.item.update", params: params)
        }
        if let originatorId = candidate.mapping.originatorId { fields["originatorId"] = .string(originatorId) }
        fields[candidate.mapping.erpIdField] = .string(candidate.change.originId)
        params["fields"] = .object(fields)
        return Bitrix24BatchCommand(name: name, method: "crm.item.add", params: params)
    }

    /// Records each command's outcome and routes the failed ones.
    private func settle(_ candidates: [ChangeCandidate], response: Bitrix24BatchResponse, portal: PortalConnection)
        async throws
    {
        var entries: [LedgerEntry] = []
        var itemMap: [ItemMapEntry] = []
        var outcomes: [WriteOutcome] = []
        var synced: [B24Change] = []
        var failures: [(ChangeCandidate, Bitrix24Error)] = []
        for (index, candidate) in candidates.enumerated() {
            switch response.outcome(of: "w\(index)") {
            case .success(let answer):
                guard let item = answer.result["item"], let id = item["id"]?.integerValue else {
                    failures.append(
                        (candidate, Bitrix24Error(code: .malformedResponse, message: "no item in the answer"))
                    )
                    continue
                }
                let updatedTime = item["updatedTime"]?.stringValue
                entries.append(settlement.entry(candidate, status: "done", itemID: id))
                itemMap.append(
                    ItemMapEntry(
                        portal: portal.domain,
                        entityTypeId: candidate.entityTypeId,
                        originId: candidate.change.originId,
                        itemID: id,
                        changedAt: candidate.change.changedAt.secondsSince1970,
                        payloadHash: candidate.change.payloadHash,
                        erpFields: candidate.change.fields ?? .object(JSONObject()),
                        portalUpdatedTime: updatedTime
                    )
                )
                outcomes.append(WriteOutcome(portal: portal.domain, operation: .upsert, succeeded: true))
                synced.append(
                    B24Change(
                        kind: .synced,
                        portal: portal.domain,
                        entity: candidate.change.entity,
                        entityTypeId: candidate.entityTypeId,
                        id: id,
                        originId: candidate.change.originId,
                        updatedTime: updatedTime.flatMap(RFC3339Timestamp.init),
                        item: candidate.change.fields,
                        drift: [],
                        traceId: candidate.traceID
                    )
                )
            case .failure(let error):
                failures.append((candidate, error))
            }
        }
        try await ledger.record(entries, itemMap: itemMap, outcomes: outcomes)
        try await settlement.publish(synced)
        for (candidate, error) in failures {
            try await fail([candidate], with: error, portal: portal)
        }
    }

}
