import AMQPClient
import FleetRuntime
import Foundation
import ServiceLifecycle
import SyncCore
import TestSupport
import WritePath

/// The fleet on a test's own RabbitMQ virtual host and PostgreSQL database (``FleetServices``), with a portal
/// simulator and consumers built from the real processing graph behind the real ``IntakeGate``, optionally beside
/// the rollback trigger.
struct FleetHarness: FleetFixture {
    static let polling = ConditionPolling(every: .milliseconds(50), timeout: .seconds(30))

    let fleet: FleetServices
    let portals: SimulatedPortals

    /// Creates isolated services, sets the fleet up in them, runs `body`, and releases everything.
    ///
    /// - Parameter adjust: changes to the contract copy the workers use (a shorter rollback window); the backoff is
    ///   always shortened to 50 .. 200 ms, the retry counts stay the contract's.
    static func run(
        adjust: @Sendable (inout IntegrationContract) -> Void = { _ in },
        _ body: @Sendable (FleetHarness) async throws -> Void
    ) async throws {
        try await FleetServices.run(
            logger: FleetServices.errorLogger("fleet-control-tests"),
            maxConnections: 16,
            adjust: adjust
        ) { fleet in
            try await SimulatedPortals.run(logger: fleet.logger) { portals in
                try await body(FleetHarness(fleet: fleet, portals: portals))
            }
        }
    }

    var control: FleetControl { FleetControl(pool: pool) }

    // MARK: portals and publishing

    /// Adds an unlimited portal to the simulator and registers it with the fleet.
    func makePortal() async throws -> String {
        try await registerPortal(on: portals)
    }

    /// Publishes `count` deal upserts `D-<first>` … as the ERP does, with a publish timestamp and a trace id each;
    /// returns their message ids.
    @discardableResult
    func publishDeals(portal: String, count: Int, first: Int = 1) async throws -> [String] {
        var messageIDs: [String] = []
        for number in first..<(first + count) {
            let change = ERPChange(
                messageId: UUID().uuidString.lowercased(),
                portal: portal,
                entity: "deal",
                op: .upsert,
                originId: "D-\(number)",
                changedAt: RFC3339Timestamp(secondsSince1970: 1_780_000_000 + Double(number)),
                fields: ["title": .string("Deal \(number)")]
            )
            var properties = AMQPProperties(contentType: "application/json", messageID: change.messageId)
            properties.timestamp = Date()
            properties.headers[MessageHeaders.traceID] = .string(Self.traceID(ofMessage: change.messageId))
            try await publish(change, properties: properties)
            messageIDs.append(change.messageId)
        }
        return messageIDs
    }

    /// The W3C trace id the ERP sends with a message: its id's hex digits reversed, so that a trace id found in
    /// the ledger can only have come from the header (the workers fall back to the message id's own digits).
    static func traceID(ofMessage messageID: String) -> String {
        String(messageID.filter { $0 != "-" }.reversed())
    }

    // MARK: workers

    /// Runs `count` upsert consumers (as separate replicas would) behind the fleet's intake gate while `body` runs,
    /// then shuts them down gracefully. With `rollbackInterval`, each replica also runs the rollback trigger.
    func withUpsertWorkers<Result: Sendable>(
        count: Int = 1,
        lanes: Int = 4,
        batchSize: Int = 49,
        gateInterval: Duration = .seconds(1),
        rollbackInterval: Duration? = nil,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        var services: [any Service] = []
        for _ in 0..<count {
            services.append(
                try writeConsumer(
                    .upsert,
                    batchSize: batchSize,
                    lanes: lanes,
                    intake: IntakeGate(control: control, scope: .writes, interval: gateInterval),
                    // A write cut off mid-flight is waited for this long before its item is looked up again.
                    inFlightWindow: .milliseconds(1500)
                )
            )
            if let rollbackInterval {
                services.append(
                    RollbackMonitor(policy: contract.rollback, pool: pool, interval: rollbackInterval, logger: logger)
                )
            }
        }
        return try await withServices(services, body)
    }
}
