import AMQPClient
import CurlHTTP
import FleetRuntime
import Foundation
import Logging
import PQClient
import ServiceLifecycle
import SyncCore
import Synchronization
import TestSupport
import Testing
import WritePath

/// The real write path against the real broker, the real database and the in-process portal simulator.
///
/// Each test gets a harness with its own virtual host and database, the topology and migrations in place, a private
/// queue that records everything published on `b24.changes`, and a simulator of its own. Workers run only inside
/// ``withWorkers(_:count:lanes:_:)``, built with ``WriteWorkerApplication/makeProcess`` from a copy of the contract
/// whose backoff is shortened (the retry counts stay the contract's).
final class WritePathHarness: Sendable {
    let logger: Logger
    let contract: IntegrationContract
    let schema: JSONSchemaValidator
    let outcomeSchema: JSONSchemaValidator
    let topology: TopologyDefinition
    let plan: TopologyPlan
    let amqp: AMQPConfiguration
    let pool: PQPool
    let http: CurlHTTPClient
    let publisher: AMQPPublisher
    let admin: AMQPConnection
    let portals: SimulatedPortals
    /// The private virtual host and database of this harness (see ``IsolatedServices``), for worker processes.
    let services: IsolatedServices
    /// A queue of this harness bound to `b24.changes` with `#`.
    private let outcomesQueue: String
    private let collectedOutcomes = Mutex<[B24Change]>([])

    private init(
        logger: Logger,
        contract: IntegrationContract,
        schema: JSONSchemaValidator,
        outcomeSchema: JSONSchemaValidator,
        topology: TopologyDefinition,
        plan: TopologyPlan,
        amqp: AMQPConfiguration,
        pool: PQPool,
        http: CurlHTTPClient,
        publisher: AMQPPublisher,
        admin: AMQPConnection,
        portals: SimulatedPortals,
        services: IsolatedServices,
        outcomesQueue: String
    ) {
        self.logger = logger
        self.contract = contract
        self.schema = schema
        self.outcomeSchema = outcomeSchema
        self.topology = topology
        self.plan = plan
        self.amqp = amqp
        self.pool = pool
        self.http = http
        self.publisher = publisher
        self.admin = admin
        self.portals = portals
        self.services = services
        self.outcomesQueue = outcomesQueue
    }

    // MARK: setup

    /// Sets up a virtual host and a database of the test's own (the fleet's pause switch and rollback window are
    /// fleet-wide: another test's failures must not trip this one's workers) and a simulator, runs `body`, and
    /// releases everything, also when `body` throws.
    static func run(_ body: @Sendable (WritePathHarness) async throws -> Void) async throws {
        try await IsolatedServices.with { services in try await run(in: services, body) }
    }

    private static func run(
        in services: IsolatedServices,
        _ body: @Sendable (WritePathHarness) async throws -> Void
    ) async throws {
        let logger = {
            var logger = Logger(label: "write-path-tests")
            logger.logLevel = .error
            return logger
        }()
        let root = TestEnvironment.repositoryRoot
        let schemas = root.appendingPathComponent("schemas")
        let realContract = try IntegrationContract.load(from: schemas.appendingPathComponent("contract.json"))
        let contract = fastRetries(realContract)
        let topology = try TopologyDefinition.load(from: root.appendingPathComponent("infra/rabbitmq/topology.json"))
        let plan = try TopologyPlan(definition: topology, contract: contract)
        let amqp = try AMQPConfiguration(url: services.amqpURL)
        let pool = try PQPool(url: services.databaseURL, maxConnections: 24, logger: logger)
        let http = CurlHTTPClient(
            configuration: CurlHTTPConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(20)),
            logger: logger
        )
        defer {
            pool.close()
            http.shutdown()
        }
        let admin = try await AMQPConnection.connect(configuration: amqp)
        let outcomesQueue = "test.writepath.outcomes.\(UUID().uuidString.lowercased())"
        do {
            // The fleet's own topology and migrations, then the delay queues of the shortened backoff.
            _ = try await FleetSetup(
                plan: try TopologyPlan(definition: topology, contract: realContract),
                logger: logger
            )
            .run(pool: pool, migrations: schemas.appendingPathComponent("sql"), broker: admin)
            try await FleetSetup(plan: plan, logger: logger).declare(on: admin)
            try await admin.declareQueue(outcomesQueue, durable: false, autoDelete: false)
            try await admin.bindQueue(outcomesQueue, exchange: "b24.changes", routingKey: "#")
            let publisher = try await AMQPPublisher.connect(configuration: amqp)
            do {
                try await SimulatedPortals.run(logger: logger) { portals in
                    let harness = WritePathHarness(
                        logger: logger,
                        contract: contract,
                        schema: try JSONSchemaValidator.load(
                            from: schemas.appendingPathComponent("erp.change.v1.schema.json")
                        ),
                        outcomeSchema: try JSONSchemaValidator.load(
                            from: schemas.appendingPathComponent("b24.change.v1.schema.json")
                        ),
                        topology: topology,
                        plan: plan,
                        amqp: amqp,
                        pool: pool,
                        http: http,
                        publisher: publisher,
                        admin: admin,
                        portals: portals,
                        services: services,
                        outcomesQueue: outcomesQueue
                    )
                    try await body(harness)
                }
            } catch {
                await publisher.close()
                throw error
            }
            await publisher.close()
        } catch {
            _ = try? await admin.deleteQueue(outcomesQueue)
            await admin.close()
            throw error
        }
        try await admin.deleteQueue(outcomesQueue)
        await admin.close()
    }

    /// The contract with every backoff shortened to 50 ms .. 200 ms; retry counts and errors stay as they are.
    static func fastRetries(_ contract: IntegrationContract) -> IntegrationContract {
        var copy = contract
        for index in copy.operations.indices {
            copy.operations[index].backoff.minSeconds = 0.05
            copy.operations[index].backoff.maxSeconds = 0.2
        }
        return copy
    }

    // MARK: portals

    /// Adds a portal with a unique domain to the simulator and registers it with the fleet.
    ///
    /// - Parameter limited: the standard plan's request limit on both sides; otherwise an unlimited box portal.
    func makePortal(limited: Bool = false, disabledMethods: Set<String> = []) async throws -> String {
        let domain = "t-\(UUID().uuidString.lowercased()).test"
        let webhook = portals.addPortal(domain, limited: limited, disabledMethods: disabledMethods)
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(domain: domain, webhookURL: webhook, plan: limited ? .standard : .box)
        )
        return domain
    }

    // MARK: publishing

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
        try await publishRaw(
            change.jsonValue.compactBytes,
            routingKey: "\(entity).\(op.rawValue)",
            messageID: change.messageId
        )
        return change.messageId
    }

    /// Publishes any body to `erp.changes`, persistent, as JSON.
    func publishRaw(_ body: [UInt8], routingKey: String, messageID: String) async throws {
        try await publisher.publish(
            body,
            exchange: "erp.changes",
            routingKey: routingKey,
            properties: AMQPProperties(contentType: "application/json", messageID: messageID),
            mandatory: true
        )
    }

    // MARK: workers

    /// Runs `count` consumers of `role`'s queue, each with its own processing graph (as separate replicas would),
    /// while `body` runs; then shuts them down gracefully.
    func withWorkers<Result: Sendable>(
        _ role: WriteWorkerApplication.Role,
        count: Int = 1,
        lanes: Int = 4,
        operatingBudgetSeconds: Double = OperatingTimePacer.defaultBudgetSeconds,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        guard let work = topology.workQueue(forOperation: role.rawValue),
            let schedule = plan.retrySchedules[role.rawValue]
        else {
            throw HarnessError("the topology has no work queue for \(role.rawValue)")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for _ in 0..<count {
            let process = try WriteWorkerApplication.makeProcess(
                role,
                contract: contract,
                schema: schema,
                pool: pool,
                http: http,
                publisher: publisher,
                router: MessageRouter(
                    operation: role.rawValue,
                    schedule: schedule,
                    deadLetterQueue: topology.deadLetterQueue(of: work.name),
                    publisher: publisher
                ),
                logger: logger,
                operatingBudgetSeconds: operatingBudgetSeconds
            )
            let consumer = BatchingConsumer(
                settings: BatchingConsumer.Settings(queue: work.name, prefetch: 200, batchSize: 50, lanes: lanes),
                configuration: amqp,
                logger: logger,
                process: process
            )
            services.append(.init(service: consumer))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result
            do {
                result = try await body()
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }

    // MARK: observing

    /// Polls `condition` every 100 ms until it holds, or fails the test after `timeout`.
    func eventually(
        _ what: String,
        timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        try await TestSupport.eventually(
            what,
            timeout: timeout,
            interval: .milliseconds(100),
            sourceLocation: sourceLocation,
            condition
        )
    }

    /// Ledger rows of `portal` for `operation`.
    func ledger(portal: String, operation: SyncOperation = .upsert) async throws -> [LedgerRow] {
        try await pool.query(
            """
            SELECT origin_id, status, attempts, item_id, error_code, message_id FROM sync_ledger
            WHERE portal = \(portal) AND operation = \(operation.rawValue) ORDER BY created_at
            """
        ).map { row in
            LedgerRow(
                originId: try row.decode(String?.self, column: "origin_id"),
                status: try row.decode(String.self, column: "status"),
                attempts: try row.decode(Int.self, column: "attempts"),
                itemID: try row.decode(Int64?.self, column: "item_id"),
                errorCode: try row.decode(String?.self, column: "error_code"),
                messageID: try row.decode(String?.self, column: "message_id")
            )
        }
    }

    /// The item map of `portal`: originId → portal item id.
    func itemMap(portal: String) async throws -> [String: Int64] {
        var map: [String: Int64] = [:]
        for row in try await pool.query("SELECT origin_id, item_id FROM item_map WHERE portal = \(portal)") {
            map[try row.decode(String.self, column: "origin_id")] = try row.decode(Int64.self, column: "item_id")
        }
        return map
    }

    /// Takes every message waiting in `queue` (acknowledging it).
    func drain(_ queue: String) async throws -> [AMQPDelivery] {
        var deliveries: [AMQPDelivery] = []
        while let delivery = try await admin.get(queue: queue) {
            try await admin.ack(delivery)
            deliveries.append(delivery)
        }
        return deliveries
    }

    /// Everything published on `b24.changes` since the harness started, for `portal`.
    ///
    /// Each body must be a valid `b24.change.v1`; one that is not fails the test.
    func outcomes(portal: String) async throws -> [B24Change] {
        for delivery in try await drain(outcomesQueue) {
            let violations = outcomeSchema.validate(bytes: delivery.body)
            #expect(
                violations.isEmpty,
                "a b24.changes message breaks b24.change.v1: \(violations.map(\.description))"
            )
            let change = try B24Change.decode(from: Data(delivery.body))
            collectedOutcomes.withLock { $0.append(change) }
        }
        return collectedOutcomes.withLock { all in all.filter { $0.portal == portal } }
    }

    var upsertDeadLetterQueue: String { topology.deadLetterQueue(of: "sync.upsert") }
    var deleteDeadLetterQueue: String { topology.deadLetterQueue(of: "sync.delete") }
}

/// One `sync_ledger` row, reduced to what the tests compare.
struct LedgerRow: Sendable, Equatable {
    var originId: String?
    var status: String
    var attempts: Int
    var itemID: Int64?
    var errorCode: String?
    var messageID: String?
}

/// A harness step that could not be done; the message says which.
struct HarnessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
