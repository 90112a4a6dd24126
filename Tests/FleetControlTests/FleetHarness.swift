import AMQPClient
import CurlHTTP
import FleetRuntime
import Foundation
import Logging
import PQClient
import ServiceLifecycle
import SyncCore
import TestSupport
import Testing
import WritePath

/// The fleet on a test's own RabbitMQ virtual host and PostgreSQL database (``IsolatedServices``), with the
/// topology and migrations set up as `syncctl setup` does, a portal simulator, and consumers built from the real
/// processing graph (``WriteWorkerApplication/makeProcess``) behind the real ``IntakeGate``.
final class FleetHarness: Sendable {
    let services: IsolatedServices
    let logger: Logger
    let contract: IntegrationContract
    let schema: JSONSchemaValidator
    let topology: TopologyDefinition
    let plan: TopologyPlan
    let amqp: AMQPConfiguration
    let pool: PQPool
    let http: CurlHTTPClient
    let publisher: AMQPPublisher
    let admin: AMQPConnection
    let simulator: SimulatedPortal

    private init(
        services: IsolatedServices,
        logger: Logger,
        contract: IntegrationContract,
        schema: JSONSchemaValidator,
        topology: TopologyDefinition,
        plan: TopologyPlan,
        amqp: AMQPConfiguration,
        pool: PQPool,
        http: CurlHTTPClient,
        publisher: AMQPPublisher,
        admin: AMQPConnection,
        simulator: SimulatedPortal
    ) {
        self.services = services
        self.logger = logger
        self.contract = contract
        self.schema = schema
        self.topology = topology
        self.plan = plan
        self.amqp = amqp
        self.pool = pool
        self.http = http
        self.publisher = publisher
        self.admin = admin
        self.simulator = simulator
    }

    static var schemasFolder: URL { TestEnvironment.repositoryRoot.appendingPathComponent("schemas") }

    /// Creates isolated services, sets the fleet up in them, runs `body`, and releases everything.
    ///
    /// - Parameter adjust: changes to the contract copy the workers use (a shorter rollback window); the backoff is
    ///   always shortened to 50 .. 200 ms, the retry counts stay the contract's.
    static func run(
        adjust: @Sendable (inout IntegrationContract) -> Void = { _ in },
        _ body: @Sendable (FleetHarness) async throws -> Void
    ) async throws {
        try await IsolatedServices.with { services in
            let logger = {
                var logger = Logger(label: "fleet-control-tests")
                logger.logLevel = .error
                return logger
            }()
            let root = TestEnvironment.repositoryRoot
            let realContract = try IntegrationContract.load(from: schemasFolder.appendingPathComponent("contract.json"))
            var contract = realContract
            for index in contract.operations.indices {
                contract.operations[index].backoff.minSeconds = 0.05
                contract.operations[index].backoff.maxSeconds = 0.2
            }
            adjust(&contract)
            let workerContract = contract
            let topology = try TopologyDefinition.load(
                from: root.appendingPathComponent("infra/rabbitmq/topology.json")
            )
            let plan = try TopologyPlan(definition: topology, contract: workerContract)
            let amqp = try AMQPConfiguration(url: services.amqpURL)
            let pool = try PQPool(url: services.databaseURL, maxConnections: 16, logger: logger)
            let http = CurlHTTPClient(
                configuration: CurlHTTPConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(20)),
                logger: logger
            )
            defer {
                pool.close()
                http.shutdown()
            }
            let admin = try await AMQPConnection.connect(configuration: amqp)
            do {
                _ = try await FleetSetup(
                    plan: try TopologyPlan(definition: topology, contract: realContract),
                    logger: logger
                )
                .run(pool: pool, migrations: schemasFolder.appendingPathComponent("sql"), broker: admin)
                try await FleetSetup(plan: plan, logger: logger).declare(on: admin)
                let publisher = try await AMQPPublisher.connect(configuration: amqp)
                do {
                    try await SimulatedPortal.run(logger: logger) { simulator in
                        let harness = FleetHarness(
                            services: services,
                            logger: logger,
                            contract: workerContract,
                            schema: try JSONSchemaValidator.load(
                                from: schemasFolder.appendingPathComponent("erp.change.v1.schema.json")
                            ),
                            topology: topology,
                            plan: plan,
                            amqp: amqp,
                            pool: pool,
                            http: http,
                            publisher: publisher,
                            admin: admin,
                            simulator: simulator
                        )
                        try await body(harness)
                    }
                } catch {
                    await publisher.close()
                    throw error
                }
                await publisher.close()
            } catch {
                await admin.close()
                throw error
            }
            await admin.close()
        }
    }

    var control: FleetControl { FleetControl(pool: pool) }

    // MARK: portals and publishing

    /// Adds a portal to the simulator and registers it with the fleet.
    func makePortal() async throws -> String {
        let domain = "t-\(UUID().uuidString.lowercased()).test"
        let webhook = simulator.addPortal(domain)
        try await PortalRegistry(pool: pool).save(PortalRegistration(domain: domain, webhookURL: webhook, plan: .box))
        return domain
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
            try await publisher.publish(
                change.jsonValue.compactBytes,
                exchange: "erp.changes",
                routingKey: "deal.upsert",
                properties: properties,
                mandatory: true
            )
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
        guard let work = topology.workQueue(forOperation: "upsert"), let schedule = plan.retrySchedules["upsert"] else {
            throw FleetHarnessError("the topology has no work queue for upsert")
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for _ in 0..<count {
            let process = try WriteWorkerApplication.makeProcess(
                .upsert,
                contract: contract,
                schema: schema,
                pool: pool,
                http: http,
                publisher: publisher,
                router: MessageRouter(
                    operation: "upsert",
                    schedule: schedule,
                    deadLetterQueue: topology.deadLetterQueue(of: work.name),
                    publisher: publisher
                ),
                logger: logger,
                // A write cut off mid-flight is waited for this long before its item is looked up again.
                inFlightWindow: .milliseconds(1500)
            )
            let consumer = BatchingConsumer(
                settings: BatchingConsumer.Settings(
                    queue: work.name,
                    prefetch: 200,
                    batchSize: batchSize,
                    lanes: lanes
                ),
                configuration: amqp,
                logger: logger,
                intake: IntakeGate(control: control, scope: .writes, interval: gateInterval),
                process: process
            )
            services.append(.init(service: consumer))
            if let rollbackInterval {
                services.append(
                    .init(
                        service: RollbackMonitor(
                            policy: contract.rollback,
                            pool: pool,
                            interval: rollbackInterval,
                            logger: logger
                        )
                    )
                )
            }
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

    /// Polls `condition` every 50 ms until it holds, or fails the test after `timeout`.
    func eventually(
        _ what: String,
        timeout: Duration = .seconds(30),
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        try await TestSupport.eventually(
            what,
            timeout: timeout,
            interval: .milliseconds(50),
            sourceLocation: sourceLocation,
            condition
        )
    }

    /// The message ids whose change is settled in the ledger (`done`, `stale` or `superseded`).
    func settledMessages(portal: String) async throws -> Set<String> {
        let rows = try await pool.query(
            """
            SELECT message_id FROM sync_ledger
            WHERE portal = \(portal) AND operation = 'upsert' AND status IN ('done', 'stale', 'superseded')
            """
        )
        return Set(try rows.compactMap { try $0.decode(String?.self, column: "message_id") })
    }

    /// Ledger rows of `portal` by status and error code, for a failure's message: what the unsettled changes wait on.
    func ledgerSummary(portal: String) async throws -> String {
        let rows = try await pool.query(
            """
            SELECT status, coalesce(error_code, '-') AS error_code, count(*) AS n FROM sync_ledger
            WHERE portal = \(portal) GROUP BY 1, 2 ORDER BY 1, 2
            """
        )
        return try rows.map { row in
            "\(try row.decode(String.self, column: "status"))/\(try row.decode(String.self, column: "error_code")): "
                + "\(try row.decode(Int.self, column: "n"))"
        }
        .joined(separator: ", ")
    }

    /// The upsert work queue, its dead-letter queue and every retry delay queue.
    var upsertQueues: (work: String, dead: String, delays: [String]) {
        let work = topology.workQueue(forOperation: "upsert")?.name ?? "sync.upsert"
        let schedule = plan.retrySchedules["upsert"]
        return (
            work, topology.deadLetterQueue(of: work),
            schedule.map { schedule in schedule.allDelays.map { schedule.queueName(delayMilliseconds: $0) } } ?? []
        )
    }

    func state(of queue: String) async throws -> AMQPQueueState {
        try await admin.declareQueuePassive(queue)
    }

    /// The message ids waiting in `queue`, read by taking each and returning it (only while nothing consumes).
    func messageIDs(waitingIn queue: String) async throws -> [String] {
        var taken: [AMQPDelivery] = []
        while let delivery = try await admin.get(queue: queue) { taken.append(delivery) }
        for delivery in taken { _ = try await admin.nack(delivery, requeue: true) }
        return taken.compactMap(\.properties.messageID)
    }
}

/// A harness step that could not be done; the message says which.
struct FleetHarnessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
