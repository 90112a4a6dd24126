package import AMQPClient
import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore

/// The pull worker's batch handler: fetches the items a batch of `b24.event.v1` messages names (one `batch`
/// request of `crm.item.get` per portal), tells echoes of the fleet's own writes from portal changes, publishes
/// the real changes to `b24.changes` (`<entity>.changed` with the drift, `<entity>.deleted`), and records each
/// outcome in the ledger (`portal + entityTypeId + id + updatedTime`) and the mirror before the batch is
/// acknowledged. Failures follow the contract's pull row: `QUERY_LIMIT_EXCEEDED` and timeouts are retried through
/// the delay queues, the rest go to `sync.pull.dead`.
package struct PullProcessor: Sendable {
    private let contract: IntegrationContract
    private let policy: RetryPolicy
    private let pool: PQPool
    private let portals: PortalDirectory
    private let budget: PortalRequestBudget
    private let router: MessageRouter
    private let changes: AMQPPublisher
    private let tokens: OAuthTokenRefresher
    private let logger: Logger

    package init(
        contract: IntegrationContract,
        pool: PQPool,
        portals: PortalDirectory,
        router: MessageRouter,
        changes: AMQPPublisher,
        tokens: OAuthTokenRefresher,
        logger: Logger
    ) {
        self.contract = contract
        self.policy = contract.retryPolicy(for: .pull)
        self.pool = pool
        self.portals = portals
        self.budget = PortalRequestBudget(pool: pool)
        self.router = router
        self.changes = changes
        self.tokens = tokens
        self.logger = logger
    }

    /// One message of the batch with what it says.
    struct Work {
        var delivery: AMQPDelivery
        var message: PortalEventMessage
        var attempt: Int
    }

    package func process(_ batch: [AMQPDelivery]) async throws {
        var byPortal: [String: [Work]] = [:]
        for delivery in batch {
            guard let message = PortalEventMessage(bytes: delivery.body) else {
                try await router.deadLetter(
                    delivery,
                    attempts: MessageHeaders.attempt(of: delivery.properties),
                    errorCode: "schema",
                    errorMessage: "the body is not a b24.event.v1 message; it cannot be pulled"
                )
                continue
            }
            byPortal[message.portal, default: []].append(
                Work(delivery: delivery, message: message, attempt: MessageHeaders.attempt(of: delivery.properties))
            )
        }
        for (domain, work) in byPortal {
            try await process(work, portal: domain)
        }
    }

    private func process(_ work: [Work], portal domain: String) async throws {
        guard let portal = try await portals.connection(for: domain) else {
            if let registration = try await portals.registration(for: domain), registration.enabled {
                for item in work {
                    try await router.hold(
                        item.delivery,
                        forAtLeast: 60_000,
                        errorCode: "PORTAL_NOT_READY",
                        errorMessage: "portal '\(domain)' cannot be called now (not installed yet, or uninstalled)"
                    )
                }
                return
            }
            for item in work {
                try await router.deadLetter(
                    item.delivery,
                    attempts: item.attempt,
                    errorCode: "unknown_portal",
                    errorMessage: "no portal '\(domain)' is registered; register it with syncctl portal add"
                )
            }
            return
        }
        var fetches: [Work] = []
        for item in work {
            if item.message.action == .delete {
                try await settleDelete(item, portal: portal)
            } else if try await alreadyPulled(item) {
                continue
            } else {
                fetches.append(item)
            }
        }
        guard !fetches.isEmpty else { return }
        for chunk in stride(from: 0, to: fetches.count, by: Bitrix24Client.maximumBatchSize).map({
            Array(fetches[$0..<min($0 + Bitrix24Client.maximumBatchSize, fetches.count)])
        }) {
            try await fetchAndSettle(chunk, portal: portal)
        }
    }

    /// A poll that already saw this state: its key is done, nothing to fetch.
    private func alreadyPulled(_ item: Work) async throws -> Bool {
        guard let updatedTime = item.message.updatedTime else { return false }
        let key = try contract.pullKey(
            portal: item.message.portal,
            entityTypeId: item.message.entityTypeId,
            id: item.message.id,
            updatedTime: updatedTime
        )
        return try await pool.withConnection { try await PullRecords(connection: $0).isDone(key) }
    }

    private func fetchAndSettle(_ chunk: [Work], portal: PortalConnection) async throws {
        var commands: [Bitrix24BatchCommand] = []
        var nameOf: [String: String] = [:]
        for item in chunk {
            let itemKey = "\(item.message.entityTypeId)/\(item.message.id)"
            guard nameOf[itemKey] == nil else { continue }
            let name = "get\(commands.count)"
            nameOf[itemKey] = name
            commands.append(
                Bitrix24BatchCommand(
                    name: name,
                    method: "crm.item.get",
                    params: [
                        "entityTypeId": .int(Int64(item.message.entityTypeId)), "id": .int(item.message.id),
                        "useOriginalUfNames": .string(contract.useOriginalUfNames),
                    ]
                )
            )
        }
        let response: Bitrix24BatchResponse
        do {
            response = try await call(commands, portal: portal)
        } catch let error as Bitrix24Error {
            for item in chunk { try await fail(item, with: error) }
            return
        }
        for item in chunk {
            let name = nameOf["\(item.message.entityTypeId)/\(item.message.id)"] ?? ""
            switch response.outcome(of: name) {
            case .success(let answer):
                guard let fetched = answer.result["item"], fetched["id"] != nil else {
                    try await fail(item, with: Bitrix24Error(code: .malformedResponse, message: "no item in answer"))
                    continue
                }
                try await settle(item, fetched: fetched, portal: portal)
            case .failure(let error) where error.code == .notFound:
                // Gone since the event: its delete event (or a resync) reports the deletion.
                logger.info(
                    "item no longer on the portal; nothing to pull",
                    metadata: ["portal": "\(portal.domain)", "item_id": "\(item.message.id)"]
                )
            case .failure(let error):
                try await fail(item, with: error)
            }
        }
    }

    /// One `batch` call through the shared request budget; an expired OAuth token is refreshed once for the fleet
    /// and the call repeated.
    private func call(_ commands: [Bitrix24BatchCommand], portal: PortalConnection) async throws
        -> Bitrix24BatchResponse
    {
        try await budget.acquire(portal: portal.domain, limit: portal.limit)
        do {
            return try await portal.client.batch(commands)
        } catch let error where error.code == .expiredToken {
            let refreshed = try await tokens.refreshedClient(for: portal, after: error)
            try await budget.acquire(portal: portal.domain, limit: portal.limit)
            portals.invalidate()
            return try await refreshed.batch(commands)
        } catch let error where error.code == .queryLimitExceeded {
            try await budget.reportRefusal(portal: portal.domain, limit: portal.limit)
            throw error
        }
    }

    private func fail(_ item: Work, with error: Bitrix24Error) async throws {
        let code = error.portalCode.flatMap { $0.isEmpty ? nil : $0 } ?? error.code.description
        let retryable = policy.retryableErrors.contains { error.matches(retryableToken: $0) }
        let metadata: Logger.Metadata = [
            "portal": "\(item.message.portal)", "item_id": "\(item.message.id)", "error_code": "\(code)",
            "attempt": "\(item.attempt)", "trace_id": "\(item.message.traceId)",
        ]
        if retryable, policy.allowsRetry(afterAttempt: item.attempt + 1) {
            logger.info("pull will be retried", metadata: metadata)
            try await router.retry(
                item.delivery,
                attempt: item.attempt + 1,
                errorCode: code,
                errorMessage: error.message
            )
        } else {
            logger.warning("pull dead-lettered", metadata: metadata.merging(["reason": "\(error)"]) { $1 })
            try await router.deadLetter(
                item.delivery,
                attempts: item.attempt,
                errorCode: code,
                errorMessage: error.message
            )
        }
    }

    private func entity(of entityTypeId: Int, on portal: PortalConnection) -> String {
        portal.registration.entityTypes.first { $0.value == entityTypeId }?.key ?? "type\(entityTypeId)"
    }

    /// The item's ERP id as the portal shows it (`originId` on deals, `xmlId` on smart processes).
    private func erpID(of item: JSONValue, entity: String) -> String? {
        let field = contract.entity(named: entity)?.erpIdField ?? "originId"
        return item[field]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    private func settle(_ item: Work, fetched: JSONValue, portal: PortalConnection) async throws {
        let message = item.message
        let entity = entity(of: message.entityTypeId, on: portal)
        guard let updatedText = fetched["updatedTime"]?.stringValue, let updated = RFC3339Timestamp(updatedText) else {
            try await fail(item, with: Bitrix24Error(code: .malformedResponse, message: "the item has no updatedTime"))
            return
        }
        let key = try contract.pullKey(
            portal: portal.domain,
            entityTypeId: message.entityTypeId,
            id: message.id,
            updatedTime: updatedText
        )
        let erpID = erpID(of: fetched, entity: entity)
        let busy = try await pool.withTransaction { connection -> Bool in
            let records = PullRecords(connection: connection)
            guard
                try await records.tryLock(
                    portal: portal.domain,
                    entityTypeId: message.entityTypeId,
                    itemID: message.id,
                    originId: erpID
                )
            else { return true }
            if try await records.isDone(key) { return false }
            let known = try await records.knowledge(
                portal: portal.domain,
                entityTypeId: message.entityTypeId,
                itemID: message.id
            )
            let verdict = EchoClassifier.classify(
                itemUpdatedAt: updated.secondsSince1970,
                eventTs: message.ts,
                byAutomation: message.byAutomation,
                write: known.write,
                mirror: known.mirror
            )
            let originId = known.originId ?? erpID
            if verdict == .portalChange {
                let change = B24Change(
                    kind: .changed,
                    portal: portal.domain,
                    entity: entity,
                    entityTypeId: message.entityTypeId,
                    id: message.id,
                    originId: originId,
                    updatedTime: updated,
                    item: fetched,
                    drift: known.write.map { EchoClassifier.drift(item: fetched, erpFields: $0.erpFields) } ?? [],
                    traceId: message.traceId
                )
                try await publish(change)
            }
            logger.info(
                "item pulled",
                metadata: [
                    "portal": "\(portal.domain)", "item_id": "\(message.id)", "verdict": "\(verdict)",
                    "source": "\(message.source.rawValue)", "trace_id": "\(message.traceId)",
                ]
            )
            try await records.record(
                key: key,
                portal: portal.domain,
                entityTypeId: message.entityTypeId,
                itemID: message.id,
                originId: originId,
                traceID: message.traceId,
                attempts: item.attempt,
                mirror: verdict.mirrorAuthor.map { (fetched, updated, $0) }
            )
            return false
        }
        if busy {
            try await holdBusy(item, writing: "an upsert")
        }
    }

    private func settleDelete(_ item: Work, portal: PortalConnection) async throws {
        let message = item.message
        let entity = entity(of: message.entityTypeId, on: portal)
        let key = try contract.pullKey(
            portal: portal.domain,
            entityTypeId: message.entityTypeId,
            id: message.id,
            updatedTime: "deleted"
        )
        let busy = try await pool.withTransaction { connection -> Bool in
            let records = PullRecords(connection: connection)
            if try await records.isDone(key) { return false }
            // A delete the fleet is making holds the item's lock until its tombstone is recorded: wait for it, so
            // the fleet's own delete is recognised.
            let before = try await records.knowledge(
                portal: portal.domain,
                entityTypeId: message.entityTypeId,
                itemID: message.id
            )
            guard
                try await records.tryLock(
                    portal: portal.domain,
                    entityTypeId: message.entityTypeId,
                    itemID: message.id,
                    originId: before.originId
                )
            else { return true }
            let known = try await records.knowledge(
                portal: portal.domain,
                entityTypeId: message.entityTypeId,
                itemID: message.id
            )
            // The fleet's own delete comes back as an event too; the ERP asked for it, so it is not news.
            if !known.deletedByFleet {
                try await publish(
                    B24Change(
                        kind: .deleted,
                        portal: portal.domain,
                        entity: entity,
                        entityTypeId: message.entityTypeId,
                        id: message.id,
                        originId: known.originId,
                        updatedTime: nil,
                        item: nil,
                        drift: nil,
                        traceId: message.traceId
                    )
                )
            }
            try await records.record(
                key: key,
                portal: portal.domain,
                entityTypeId: message.entityTypeId,
                itemID: message.id,
                originId: known.originId,
                traceID: message.traceId,
                attempts: item.attempt,
                mirror: nil
            )
            try await records.forget(portal: portal.domain, entityTypeId: message.entityTypeId, itemID: message.id)
            return false
        }
        if busy {
            try await holdBusy(item, writing: "a delete")
        }
    }

    /// Holds a pull whose item a write worker holds locked, so it reads what that write recorded.
    private func holdBusy(_ item: Work, writing operation: String) async throws {
        try await router.hold(
            item.delivery,
            forAtLeast: 1000,
            errorCode: "ITEM_BUSY",
            errorMessage: "\(operation) of this item is being written; pulled once it is recorded"
        )
    }

    private func publish(_ change: B24Change) async throws {
        try await changes.publish(change)
    }
}
