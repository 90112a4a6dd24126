package import Logging
package import PQClient
package import PullPath
package import SyncCore

/// The gateway's work for one Bitrix24 event: check it, key it, record it, publish it with a confirm.
///
/// The event is written to `event_intake` before it is published, keyed by the contract's event key, so that a
/// duplicate finds its row and is not queued again, and an event the broker never confirmed stays in PostgreSQL
/// for ``IntakeForwarder``: Bitrix24 never resends an event, so one the gateway accepted must never be lost.
package struct EventIntake: Sendable {
    /// What happened to an accepted event.
    package enum Outcome: String, Sendable {
        /// Published and confirmed by the broker.
        case queued
        /// The same event was accepted before; nothing new was queued.
        case duplicate
        /// The broker did not confirm within the contract's retries: kept in PostgreSQL, forwarded later.
        case parked
    }

    /// The largest body the gateway reads; a real event is well under 2 KiB.
    package static let maximumBodyBytes = 16 * 1024

    private let pool: PQPool
    private let publisher: PortalEventPublisher
    private let contract: IntegrationContract
    private let policy: RetryPolicy
    private let logger: Logger
    private let metrics: GatewayMetrics

    package init(
        pool: PQPool,
        publisher: PortalEventPublisher,
        contract: IntegrationContract,
        logger: Logger,
        metrics: GatewayMetrics
    ) {
        self.pool = pool
        self.publisher = publisher
        self.contract = contract
        self.policy = contract.retryPolicy(for: .event)
        self.logger = logger
        self.metrics = metrics
    }

    /// Checks and queues one CRM event.
    package func accept(body: [UInt8]) async throws(GatewayRejection) -> Outcome {
        let (form, portal) = try await authenticate(body)
        guard let eventName = form["event"], let event = CRMEventName(eventName) else {
            throw GatewayRejection(.unknownEvent, "the event name is not a CRM item event this gateway handles")
        }
        guard let idText = form["data[FIELDS][ID]"], let id = Int64(idText), id > 0 else {
            throw GatewayRejection(.malformedBody, "data[FIELDS][ID] is missing or not a positive number")
        }
        guard let entityTypeId = event.entityTypeId ?? form["data[FIELDS][ENTITY_TYPE_ID]"].flatMap({ Int($0) })
        else {
            throw GatewayRejection(.malformedBody, "a smart-process event lacks data[FIELDS][ENTITY_TYPE_ID]")
        }
        let ts = form["ts"].flatMap { Int64($0) }
        let message = PortalEventMessage(
            portal: portal.domain,
            event: eventName.uppercased(),
            source: .gateway,
            action: event.action,
            entityTypeId: entityTypeId,
            id: id,
            ts: ts,
            // Changes made by automation (robots, workflows) carry no token pair.
            byAutomation: form["auth[access_token]"] == nil
        )
        let key: IdempotencyKey
        do {
            key = try Self.key(for: message, contract: contract)
        } catch {
            throw GatewayRejection(.malformedBody, "the event cannot be keyed: \(error)")
        }
        return try await queue(
            message,
            key: key.rawValue,
            routingKey: message.routingKey(entity: portal.entity(of: entityTypeId))
        )
    }

    /// The form and the portal of an event whose application token matches the stored one.
    package func authenticate(_ body: [UInt8]) async throws(GatewayRejection) -> (FormBody, GatewayPortal) {
        guard body.count <= Self.maximumBodyBytes else {
            throw GatewayRejection(.bodyTooLarge, "the body has \(body.count) bytes; events are under 16 KiB")
        }
        guard let form = FormBody(bytes: body) else {
            throw GatewayRejection(.malformedBody, "the body is not application/x-www-form-urlencoded UTF-8")
        }
        let memberID = form["auth[member_id]"]
        let domain = form["auth[domain]"]?.lowercased()
        let found: GatewayPortal?
        do {
            found = try await GatewayPortal.find(memberID: memberID, domain: domain, pool: pool)
        } catch {
            throw GatewayRejection(.unavailable, "the portal registry cannot be read: \(error)")
        }
        guard let portal = found else {
            throw GatewayRejection(.unknownPortal, "no registered portal has this member_id or domain")
        }
        guard let given = form["auth[application_token]"], !given.isEmpty else {
            throw GatewayRejection(.missingToken, "auth[application_token] is missing (portal \(portal.domain))")
        }
        guard let stored = portal.applicationToken, ConstantTimeComparison.equals(given, stored) else {
            throw GatewayRejection(
                .wrongToken,
                "auth[application_token] does not match the token stored for portal \(portal.domain)"
            )
        }
        return (form, portal)
    }

    /// The contract's event key: `portal + dealId` for an add, `portal + dealId + updatedTime` for an update (an
    /// event carries `ts`, not the item's `updatedTime`), and a delete happens once per item. Smart-process ids
    /// are per type, so their `dealId` part names the type too.
    package static func key(for message: PortalEventMessage, contract: IntegrationContract) throws(ContractError)
        -> IdempotencyKey
    {
        let item = message.entityTypeId == 2 ? String(message.id) : "\(message.entityTypeId)/\(message.id)"
        var values = ["portal": message.portal, "dealId": item]
        switch message.action {
        case .add:
            return try IdempotencyKey(operation: .event, parts: contract.eventIntake.idempotencyKey.add, values: values)
        case .update:
            values["updatedTime"] = message.ts.map(String.init) ?? "unknown"
        case .delete:
            values["updatedTime"] = "deleted"
        }
        return try IdempotencyKey(operation: .event, parts: contract.eventIntake.idempotencyKey.update, values: values)
    }

    /// Records `message` under `key` and publishes it; a key already recorded is a duplicate.
    package func queue(_ message: PortalEventMessage, key: String, routingKey: String) async throws(GatewayRejection)
        -> Outcome
    {
        let body = message.jsonValue.compactString
        let inserted: Bool
        do {
            inserted = try await !pool.query(
                """
                INSERT INTO event_intake (idempotency_key, portal, routing_key, body, trace_id)
                VALUES (\(key), \(message.portal), \(routingKey), \(body), \(message.traceId))
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key
                """
            ).isEmpty
        } catch {
            throw GatewayRejection(.unavailable, "the event cannot be recorded: \(error)")
        }
        let metadata: Logger.Metadata = [
            "portal": "\(message.portal)", "event": "\(message.event)", "item_id": "\(message.id)",
            "trace_id": "\(message.traceId)", "idempotency_key": "\(key)",
        ]
        guard inserted else {
            metrics.count(.duplicate)
            logger.info("duplicate event; already queued", metadata: metadata)
            return .duplicate
        }
        var attempt = 0
        while true {
            do {
                try await publisher.publish(
                    body: Array(body.utf8),
                    routingKey: routingKey,
                    messageID: key,
                    traceID: message.traceId
                )
                _ = try? await pool.execute(
                    """
                    UPDATE event_intake SET status = 'published', published_at = now(), attempts = \(attempt + 1)
                    WHERE idempotency_key = \(key)
                    """
                )
                metrics.count(.queued)
                logger.debug("event queued", metadata: metadata)
                return .queued
            } catch {
                attempt += 1
                guard policy.allowsRetry(afterAttempt: attempt) else {
                    _ = try? await pool.execute(
                        """
                        UPDATE event_intake SET status = 'parked', attempts = \(attempt)
                        WHERE idempotency_key = \(key) AND status = 'publishing'
                        """
                    )
                    metrics.count(.parked)
                    logger.warning(
                        "broker did not confirm the event; kept in PostgreSQL for forwarding",
                        metadata: metadata.merging(["error": "\(error)", "attempts": "\(attempt)"]) { $1 }
                    )
                    return .parked
                }
                try? await Task.sleep(for: policy.jitteredDelay(forAttempt: attempt))
            }
        }
    }
}
