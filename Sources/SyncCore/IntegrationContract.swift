/// The integration contract (docs/crm-artifact-pack.md) as data: schemas/contract.json, read by every process at
/// start so the numbers live in one place.
///
/// Load it with ``load(from:)`` or ``loadDefault(environment:currentDirectory:executablePath:)``; both check that
/// every operation has its row, so the accessors below never fail.
package struct IntegrationContract: Codable, Sendable, Equatable {
    package var version: Int
    /// The document the contract implements, relative to the repository root.
    package var source: String
    /// The portal the pack was written for.
    package var portal: String
    /// Seed §2: OAuth / webhook scopes.
    package var scopes: [ScopeRequirement]
    /// Seed §3: methods checked at start and what to do when one is missing.
    package var capabilities: [Capability]
    /// Seed §4: the ERP entities and how they map to crm.item.
    package var entities: [EntityMapping]
    /// Seed §4: `useOriginalUfNames` for every crm.item call (`N`: camelCase names).
    package var useOriginalUfNames: String
    /// Seed §4: the per-portal feature flag that allows legacy `crm.deal.*`.
    package var legacyFeatureFlag: String
    /// Seed §1: when the fleet stops taking write work.
    package var rollback: RollbackTrigger
    /// Seed §5: the polling fallback for missed events.
    package var polling: Polling
    /// Seed §5: the Bitrix24 events the gateway accepts.
    package var events: [EventRoute]
    /// Seed §6: one row per worker operation.
    package var operations: [OperationRow]
    /// DESIGN.md: the gateway's event intake.
    package var eventIntake: EventIntake

    /// A scope and whether the integration needs it.
    package struct ScopeRequirement: Codable, Sendable, Equatable {
        package var scope: String
        package var required: Bool
        package var why: String
    }

    /// Seed §1's rollback trigger.
    package struct RollbackTrigger: Codable, Sendable, Equatable {
        /// Trip when failed writes / all writes exceeds this (0.03 = 3%).
        package var errorRate: Double
        package var windowSeconds: Int
        /// Below this many writes in the window the trigger does not trip: 1 failure of 3 is not a trend.
        package var minimumWrites: Int
        /// The operations that count as writes.
        package var writeOperations: [SyncOperation]

        package var window: Duration { .seconds(windowSeconds) }

        /// Whether `failed` failures out of `total` writes in the window should stop write work.
        package func isTripped(failed: Int, total: Int) -> Bool {
            guard total >= minimumWrites, total > 0 else { return false }
            return Double(failed) / Double(total) > errorRate
        }
    }

    package struct Polling: Codable, Sendable, Equatable {
        package var intervalSeconds: Int
    }

    /// A Bitrix24 event the gateway handles (seed §5).
    package struct EventRoute: Codable, Sendable, Equatable {
        package var event: String
        /// `online` or `offline` event delivery.
        package var mode: String
        /// The gateway's path for the event handler.
        package var handler: String
        package var applicationTokenCheck: Bool
        package var idempotencyKey: [String]
        package var maxRetries: Int
        package var backoff: String
    }

    /// Backoff bounds of a retry row, in seconds; fractions are allowed so that tests can shorten delays through
    /// `SYNC_CONTRACT` while keeping the counts.
    package struct Backoff: Codable, Sendable, Equatable {
        package var minSeconds: Double
        package var maxSeconds: Double
        package var jitter: Bool
    }

    /// A row of seed §6's retry and idempotency table.
    package struct OperationRow: Codable, Sendable, Equatable {
        package var operation: SyncOperation
        /// The row's name in the seed (`Pull sync`, `Create/update`, `Delete`).
        package var title: String
        package var worker: String
        package var idempotencyKey: [String]
        package var retryableErrors: [String]
        package var maxRetries: Int
        package var backoff: Backoff
    }

    /// DESIGN.md's event-intake row: the gateway's retries towards the broker.
    package struct EventIntake: Codable, Sendable, Equatable {
        package var operation: SyncOperation
        package var worker: String
        package var idempotencyKey: EventKeys
        package var retryableErrors: [String]
        package var maxRetries: Int
        package var backoff: Backoff
        /// What happens after the last retry (`persist_and_forward`: keep the event in PostgreSQL, forward later).
        package var afterRetries: String

        package struct EventKeys: Codable, Sendable, Equatable {
            package var update: [String]
            package var add: [String]
        }
    }
}

extension IntegrationContract {
    /// The seed §6 row of `operation`; nil only for ``SyncOperation/event`` (see ``eventIntake``).
    package func row(for operation: SyncOperation) -> OperationRow? {
        operations.first { $0.operation == operation }
    }

    /// The retry policy of `operation`; ``SyncOperation/event`` reads ``eventIntake`` (loading guarantees the
    /// other operations have rows).
    package func retryPolicy(for operation: SyncOperation) -> RetryPolicy {
        if let row = row(for: operation) {
            return RetryPolicy(
                maxRetries: row.maxRetries,
                minDelay: .seconds(row.backoff.minSeconds),
                maxDelay: .seconds(row.backoff.maxSeconds),
                jitter: row.backoff.jitter,
                retryableErrors: row.retryableErrors
            )
        }
        return RetryPolicy(
            maxRetries: eventIntake.maxRetries,
            minDelay: .seconds(eventIntake.backoff.minSeconds),
            maxDelay: .seconds(eventIntake.backoff.maxSeconds),
            jitter: eventIntake.backoff.jitter,
            retryableErrors: eventIntake.retryableErrors
        )
    }

    /// The idempotency key parts of `operation` (for ``SyncOperation/event``, the update event's parts).
    package func keyParts(for operation: SyncOperation) -> [String] {
        row(for: operation)?.idempotencyKey ?? eventIntake.idempotencyKey.update
    }

    /// The mapping of an ERP entity name (`deal`, `service_ticket`).
    package func entity(named name: String) -> EntityMapping? {
        entities.first { $0.entity == name }
    }

    /// The mapping of an entityTypeId (2, 1280).
    package func entity(typeId: Int) -> EntityMapping? {
        entities.first { $0.entityTypeId == typeId }
    }

    /// The capability matrix row of a REST method.
    package func capability(method: String) -> Capability? {
        capabilities.first { $0.method == method }
    }

    /// The event map row of a Bitrix24 event name (case-insensitive, Bitrix24 sends upper case).
    package func eventRoute(named event: String) -> EventRoute? {
        events.first { $0.event.uppercased() == event.uppercased() }
    }

    /// How often the polling fallback runs.
    package var pollingInterval: Duration { .seconds(polling.intervalSeconds) }

    /// Scopes the portal must grant.
    package var requiredScopes: [String] { scopes.filter(\.required).map(\.scope) }
}
