import FleetRuntime
import Foundation
import SyncCore
import TestSupport
import WritePath

/// The real write path against the real broker, the real database and the in-process portal simulator.
///
/// Each test gets a harness on a fleet of its own (``FleetServices``): the topology and migrations in place, a
/// private queue that records everything published on `b24.changes`, and a simulator of its own. Workers run only
/// inside ``withWorkers(_:count:lanes:operatingBudgetSeconds:_:)``, built from a copy of the contract whose backoff
/// is shortened (the retry counts stay the contract's).
struct WritePathHarness: FleetFixture {
    static let polling = ConditionPolling(every: .milliseconds(100), timeout: .seconds(30))

    let fleet: FleetServices
    let portals: SimulatedPortals
    private let outcomesQueue: OutcomesQueue

    /// Runs `body` on a virtual host and a database of the test's own (the fleet's pause switch and rollback window
    /// are fleet-wide: another test's failures must not trip this one's workers) with a simulator, and releases
    /// everything, also when `body` throws.
    static func run(_ body: @Sendable (WritePathHarness) async throws -> Void) async throws {
        try await FleetServices.run(
            logger: FleetServices.errorLogger("write-path-tests"),
            maxConnections: 24
        ) { fleet in
            let outcomesQueue = try await OutcomesQueue.declare(on: fleet.admin)
            try await SimulatedPortals.run(logger: fleet.logger) { portals in
                try await body(WritePathHarness(fleet: fleet, portals: portals, outcomesQueue: outcomesQueue))
            }
        }
    }

    /// Adds a portal with a unique domain to the simulator and registers it with the fleet.
    ///
    /// - Parameter limited: the standard plan's request limit on both sides; otherwise an unlimited box portal.
    func makePortal(limited: Bool = false, disabledMethods: Set<String> = []) async throws -> String {
        try await registerPortal(on: portals, limited: limited, disabledMethods: disabledMethods)
    }

    /// Publishes an `erp.change.v1` as the ERP does (no fleet headers) and returns its message id.
    @discardableResult
    func publishChange(
        portal: String,
        originId: String,
        op: ERPChange.Operation = .upsert,
        entity: String = "deal",
        changedAt: Double,
        fields: JSONValue? = nil,
        id: Int64? = nil
    ) async throws -> String {
        let change = ERPChange(
            messageId: UUID().uuidString.lowercased(),
            portal: portal,
            entity: entity,
            op: op,
            originId: originId,
            id: id,
            changedAt: RFC3339Timestamp(secondsSince1970: changedAt),
            fields: op == .upsert ? fields ?? ["title": .string("Deal \(originId)")] : fields
        )
        try await publish(change)
        return change.messageId
    }

    /// Runs `count` consumers of `role`'s queue, each with its own processing graph (as separate replicas would),
    /// while `body` runs; then shuts them down gracefully.
    func withWorkers<Result: Sendable>(
        _ role: WriteWorkerApplication.Role,
        count: Int = 1,
        lanes: Int = 4,
        operatingBudgetSeconds: Double = OperatingTimePacer.defaultBudgetSeconds,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        let consumers = try (0..<count).map { _ in
            try writeConsumer(role, batchSize: 50, lanes: lanes, operatingBudgetSeconds: operatingBudgetSeconds)
        }
        return try await withServices(consumers, body)
    }

    /// Everything published on `b24.changes` since the harness started, for `portal`; each must be a valid
    /// `b24.change.v1`.
    func outcomes(portal: String) async throws -> [B24Change] {
        try await outcomesQueue.outcomes(portal: portal)
    }
}
