package import AMQPClient
package import Bitrix24
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore

/// What the upsert and delete paths share once a portal call has been made: ledger rows for each candidate,
/// outcome messages on `b24.changes`, and routing of failures to a hold, a retry or the dead-letter queue.
package struct WriteSettlement: Sendable {
    package let operation: SyncOperation
    package let policy: RetryPolicy
    package let ledger: ItemLedger
    package let budget: PortalRequestBudget
    package let router: MessageRouter
    package let changes: AMQPPublisher
    package let logger: Logger
    /// Renews an OAuth portal's expired token before its writes are held; nil holds them without renewing.
    package let renewal: ExpiredTokenRenewal?

    package init(
        operation: SyncOperation,
        policy: RetryPolicy,
        ledger: ItemLedger,
        budget: PortalRequestBudget,
        router: MessageRouter,
        changes: AMQPPublisher,
        logger: Logger,
        renewal: ExpiredTokenRenewal? = nil
    ) {
        self.renewal = renewal
        self.operation = operation
        self.policy = policy
        self.ledger = ledger
        self.budget = budget
        self.router = router
        self.changes = changes
        self.logger = logger
    }

    /// A ledger row for `candidate` under `key` (its idempotency key, or the message id where none exists).
    package func entry(
        _ candidate: ChangeCandidate,
        status: String,
        key: String? = nil,
        itemID: Int64? = nil,
        errorCode: String? = nil,
        errorMessage: String? = nil
    ) -> LedgerEntry {
        LedgerEntry(
            key: key ?? candidate.key?.rawValue ?? "\(operation.rawValue):message:\(candidate.change.messageId)",
            operation: operation,
            portal: candidate.change.portal,
            entityTypeId: candidate.entityTypeId,
            originId: candidate.change.originId,
            itemID: itemID,
            status: status,
            attempts: candidate.attempt,
            payloadHash: candidate.change.payloadHash,
            changedAt: candidate.change.changedAt.secondsSince1970,
            messageID: candidate.change.messageId,
            traceID: candidate.traceID,
            errorCode: errorCode,
            errorMessage: errorMessage
        )
    }

    /// A message that never became a candidate: holds wait, transient problems retry, the rest go to the dead-letter
    /// queue.
    package func reject(_ delivery: AMQPDelivery, _ rejection: ChangeRejection) async throws {
        let attempts = MessageHeaders.attempt(of: delivery.properties)
        if let hold = rejection.holdMilliseconds {
            logger.warning(
                "message held",
                metadata: [
                    "error_code": "\(rejection.code)", "reason": "\(rejection.message)",
                    "message_id": "\(delivery.properties.messageID ?? "-")",
                ]
            )
            try await router.hold(
                delivery,
                forAtLeast: hold,
                errorCode: rejection.code,
                errorMessage: rejection.message
            )
            return
        }
        if rejection.isTransient, policy.allowsRetry(afterAttempt: attempts + 1) {
            try await router.retry(
                delivery,
                attempt: attempts + 1,
                errorCode: rejection.code,
                errorMessage: rejection.message
            )
            return
        }
        logger.warning(
            "message dead-lettered",
            metadata: [
                "error_code": "\(rejection.code)", "reason": "\(rejection.message)",
                "message_id": "\(delivery.properties.messageID ?? "-")",
            ]
        )
        try await router.deadLetter(
            delivery,
            attempts: attempts,
            errorCode: rejection.code,
            errorMessage: rejection.message
        )
        let entry = rejectedEntry(delivery, rejection, attempts: attempts)
        // Out of retries on a passing problem (the portal kept failing its capability check): a write that failed,
        // which the rollback trigger counts. A message refused for its content is the ERP's error, not a write's.
        let outcomes =
            rejection.isTransient
            ? [WriteOutcome(portal: entry.portal, operation: operation, succeeded: false, errorCode: rejection.code)]
            : []
        try await ledger.record([entry], outcomes: outcomes)
    }

    /// The ledger row of a refused message, keyed by its message id: whatever of it could be read is kept, so that
    /// the ledger alone tells every message's fate.
    private func rejectedEntry(_ delivery: AMQPDelivery, _ rejection: ChangeRejection, attempts: Int) -> LedgerEntry {
        let document = try? JSONValue(parsing: delivery.body)
        let messageID =
            document?["messageId"]?.stringValue ?? delivery.properties.messageID ?? "tag-\(delivery.deliveryTag)"
        return LedgerEntry(
            key: "\(operation.rawValue):message:\(messageID)",
            operation: operation,
            portal: document?["portal"]?.stringValue ?? "",
            entityTypeId: 0,
            originId: document?["originId"]?.stringValue,
            status: "dead",
            attempts: attempts,
            messageID: messageID,
            traceID: MessageHeaders.traceID(of: delivery.properties),
            errorCode: rejection.code,
            errorMessage: rejection.message
        )
    }

    /// Dead-letters candidates refused before any portal call (the portal would certainly refuse them), then records
    /// a ledger row each (as ``reject(_:_:)`` does: a crash in between leaves a second dead letter, never none) and
    /// no write outcome, since nothing was sent.
    package func refuse(_ refusals: [(candidate: ChangeCandidate, code: String, message: String)]) async throws {
        guard !refusals.isEmpty else { return }
        for (candidate, code, message) in refusals {
            logger.warning(
                "change dead-lettered before the portal call",
                metadata: [
                    "trace_id": "\(candidate.traceID)", "portal": "\(candidate.portal.domain)",
                    "idempotency_key": "\(candidate.key?.rawValue ?? "-")", "error_code": "\(code)",
                    "reason": "\(message)",
                ]
            )
            try await router.deadLetter(
                candidate.delivery,
                attempts: candidate.attempt,
                errorCode: code,
                errorMessage: message
            )
        }
        try await ledger.record(
            refusals.map { entry($0.candidate, status: "dead", errorCode: $0.code, errorMessage: $0.message) }
        )
    }

    /// Routes candidates whose call failed with `error`: hold, retry or dead letter, with a ledger row each.
    package func fail(_ candidates: [ChangeCandidate], with error: Bitrix24Error, portal: PortalConnection)
        async throws
    {
        if error.code == .queryLimitExceeded {
            try await budget.reportRefusal(portal: portal.domain, limit: portal.limit)
        }
        // An expired OAuth token: renewed for the fleet, then the writes wait a moment and go again with the new one
        // (a minute when it could not be renewed), without spending an attempt.
        var tokenHold: FailureDisposition?
        if error.code == .expiredToken {
            let renewed = await renewal?.renew(portal, after: error, logger: logger) ?? false
            tokenHold = .hold(milliseconds: renewed ? 1000 : 60_000)
        }
        var entries: [LedgerEntry] = []
        var outcomes: [WriteOutcome] = []
        var routes: [(ChangeCandidate, FailureDisposition)] = []
        for candidate in candidates {
            let disposition =
                tokenHold
                ?? FailureDisposition.decide(for: error, attemptsSpent: candidate.attempt, policy: policy)
            let errorCode = error.reportedCode
            switch disposition {
            case .hold:
                // Not a failed write: the portal refused to look at it yet. The ledger row stays in_progress.
                break
            case .retry:
                entries.append(entry(candidate, status: "failed", errorCode: errorCode, errorMessage: error.message))
                // A request-limit refusal is the portal pacing the fleet, which slows down and goes again: no write
                // failed, so the rollback trigger does not count it (one refused batch of 49 would otherwise be 49
                // failed writes). Should the change still fail after its retries, its dead letter counts.
                if error.code != .queryLimitExceeded {
                    outcomes.append(
                        WriteOutcome(
                            portal: portal.domain,
                            operation: operation,
                            succeeded: false,
                            errorCode: errorCode
                        )
                    )
                }
            case .deadLetter:
                entries.append(entry(candidate, status: "dead", errorCode: errorCode, errorMessage: error.message))
                outcomes.append(
                    WriteOutcome(portal: portal.domain, operation: operation, succeeded: false, errorCode: errorCode)
                )
            }
            routes.append((candidate, disposition))
        }
        try await ledger.record(entries, outcomes: outcomes)
        for (candidate, disposition) in routes {
            let errorCode = error.reportedCode
            let metadata: Logger.Metadata = [
                "trace_id": "\(candidate.traceID)", "portal": "\(portal.domain)",
                "idempotency_key": "\(candidate.key?.rawValue ?? "-")", "error_code": "\(errorCode)",
                "attempt": "\(candidate.attempt)",
            ]
            switch disposition {
            case .hold(let milliseconds):
                logger.info("portal call held", metadata: metadata)
                try await router.hold(
                    candidate.delivery,
                    forAtLeast: milliseconds,
                    errorCode: errorCode,
                    errorMessage: error.message
                )
            case .retry(let attempt):
                logger.info("portal call will be retried", metadata: metadata)
                try await router.retry(
                    candidate.delivery,
                    attempt: attempt,
                    errorCode: errorCode,
                    errorMessage: error.message
                )
            case .deadLetter:
                logger.warning("change dead-lettered", metadata: metadata.merging(["reason": "\(error)"]) { $1 })
                try await router.deadLetter(
                    candidate.delivery,
                    attempts: candidate.attempt,
                    errorCode: errorCode,
                    errorMessage: error.message
                )
            }
        }
    }

    /// Publishes the `<entity>.synced` messages with confirms, all in flight at once.
    package func publish(_ synced: [B24Change]) async throws {
        let publisher = changes
        try await withThrowingTaskGroup(of: Void.self) { group in
            for change in synced {
                group.addTask { try await publisher.publish(change) }
            }
            try await group.waitForAll()
        }
    }

    /// Runs `body` with those `candidates` whose items this session could lock (the per-item advisory locks that
    /// upserts and deletes share, so that no two writes of one item interleave), holds the others briefly without
    /// spending an attempt, and frees the locks on every path.
    nonisolated(nonsending) package func withItemLocks(
        _ candidates: [ChangeCandidate],
        pool: PQPool,
        _ body: nonisolated(nonsending) ([ChangeCandidate]) async throws -> Void
    ) async throws {
        try await pool.withConnection { lockConnection in
            let locked = try await ledger.tryLock(Array(Set(candidates.map(\.item))), on: lockConnection)
            do {
                try await body(candidates.filter { locked.contains($0.item) })
                for candidate in candidates where !locked.contains(candidate.item) {
                    try await router.hold(
                        candidate.delivery,
                        forAtLeast: 1000,
                        errorCode: "ITEM_BUSY",
                        errorMessage: "another replica is writing this item"
                    )
                }
            } catch {
                try? await ledger.unlock(locked, on: lockConnection)
                throw error
            }
            try await ledger.unlock(locked, on: lockConnection)
        }
    }
}
