import AMQPClient
import FleetRuntime
import Foundation
import Logging
import OperatorCommands
import PQClient
import SyncCore
import TestSupport
import Testing

/// A private RabbitMQ virtual host and PostgreSQL database with the fleet's topology and migrations in place, and
/// the means to run `syncctl` and the workers against them as an operator would: as child processes whose
/// `AMQP_URL` and `DATABASE_URL` point there.
final class OperatorFixture: Sendable {
    let services: IsolatedServices
    let contract: IntegrationContract
    let topology: TopologyDefinition
    let plan: TopologyPlan
    let queues: FleetQueues
    let pool: PQPool
    let admin: AMQPConnection
    let publisher: AMQPPublisher
    /// What every child process gets on top of the test's environment.
    let environment: [String: String]

    private init(
        services: IsolatedServices,
        contract: IntegrationContract,
        topology: TopologyDefinition,
        plan: TopologyPlan,
        pool: PQPool,
        admin: AMQPConnection,
        publisher: AMQPPublisher,
        environment: [String: String]
    ) {
        self.services = services
        self.contract = contract
        self.topology = topology
        self.plan = plan
        self.queues = FleetQueues(plan: plan, definition: topology)
        self.pool = pool
        self.admin = admin
        self.publisher = publisher
        self.environment = environment
    }

    /// Runs `body` in fresh isolated services set up like `syncctl setup` does.
    ///
    /// - Parameter fastRetries: when true the contract's backoffs shrink to 50–200 ms (the counts stay) and the
    ///   children read that contract, so that messages reach the dead-letter queues quickly.
    static func run(fastRetries: Bool = false, _ body: @Sendable (OperatorFixture) async throws -> Void) async throws {
        try await IsolatedServices.with { services in
            let root = TestEnvironment.repositoryRoot
            let realContract = try IntegrationContract.load(from: root.appendingPathComponent("schemas/contract.json"))
            var contract = realContract
            var environment = [
                "AMQP_URL": services.amqpURL, "DATABASE_URL": services.databaseURL, "LOG_LEVEL": "warning",
                "SYNC_CONTROL_INTERVAL_MS": "200",
            ]
            if fastRetries {
                for index in contract.operations.indices {
                    contract.operations[index].backoff.minSeconds = 0.05
                    contract.operations[index].backoff.maxSeconds = 0.2
                }
                let file = FileManager.default.temporaryDirectory
                    .appendingPathComponent("contract-\(services.virtualHost).json")
                try JSONEncoder().encode(contract).write(to: file)
                environment["SYNC_CONTRACT"] = file.path
            }
            defer {
                if let file = environment["SYNC_CONTRACT"] { try? FileManager.default.removeItem(atPath: file) }
            }
            let topology = try TopologyDefinition.load(
                from: root.appendingPathComponent("infra/rabbitmq/topology.json")
            )
            let plan = try TopologyPlan(definition: topology, contract: contract)
            let logger = Logger(label: "operator-commands-tests", factory: { _ in SwiftLogNoOpLogHandler() })
            let pool = PQPool(configuration: try PQConfiguration(url: services.databaseURL), maxConnections: 4)
            defer { pool.close() }
            let amqp = try AMQPConfiguration(url: services.amqpURL)
            let admin = try await AMQPConnection.connect(configuration: amqp)
            let publisher = try await AMQPPublisher.connect(configuration: amqp)
            do {
                _ = try await FleetSetup(plan: plan, logger: logger)
                    .run(pool: pool, migrations: root.appendingPathComponent("schemas/sql"), broker: admin)
                let fixture = OperatorFixture(
                    services: services,
                    contract: contract,
                    topology: topology,
                    plan: plan,
                    pool: pool,
                    admin: admin,
                    publisher: publisher,
                    environment: environment
                )
                try await body(fixture)
            } catch {
                await publisher.close()
                await admin.close()
                throw error
            }
            await publisher.close()
            await admin.close()
        }
    }

    // MARK: syncctl

    /// What one `syncctl` run printed, and how it ended.
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Runs `syncctl arguments…` to completion.
    func syncctl(_ arguments: String..., environment extra: [String: String] = [:]) async throws -> Outcome {
        try await syncctl(arguments: arguments, environment: extra)
    }

    func syncctl(arguments: [String], environment extra: [String: String] = [:]) async throws -> Outcome {
        let child = try startSyncctl(arguments, environment: extra)
        let status = try await child.wait()
        return Outcome(status: status, output: child.output, errorOutput: child.errorOutput)
    }

    /// Starts `syncctl` without waiting for it.
    func startSyncctl(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess("syncctl", arguments, environment: environment.merging(extra) { _, new in new })
    }

    /// Decodes a `--json` output.
    func decode<T: Decodable>(_ type: T.Type, from outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> T
    {
        #expect(outcome.status == 0, "syncctl failed: \(outcome.errorOutput)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(T.self, from: Data(outcome.output.utf8))
    }

    // MARK: queues

    /// Publishes straight into `queue` (default exchange), persistent, with a message id and headers.
    func put(
        _ body: String,
        into queue: String,
        messageID: String = UUID().uuidString.lowercased(),
        headers: AMQPTable = [:]
    ) async throws {
        try await publisher.publish(
            Array(body.utf8),
            exchange: "",
            routingKey: queue,
            properties: AMQPProperties(contentType: "application/json", messageID: messageID, headers: headers),
            mandatory: true
        )
    }

    /// An `erp.change.v1` body.
    static func change(
        portal: String,
        originId: String,
        op: String = "upsert",
        entity: String = "deal",
        messageID: String,
        title: String? = nil,
        changedAt: String = "2026-02-24T10:15:00Z"
    ) -> String {
        let fields = op == "upsert" ? #","fields":{"title":"\#(title ?? "Deal \(originId)")"}"# : ""
        return #"{"schema":"erp.change.v1","messageId":"\#(messageID)","portal":"\#(portal)","entity":"\#(entity)","#
            + #""op":"\#(op)","originId":"\#(originId)","changedAt":"\#(changedAt)"\#(fields)}"#
    }

    /// Publishes a change as the ERP does: to `erp.changes` with routing key `<entity>.<op>`.
    func publishChange(portal: String, originId: String, op: String = "upsert", messageID: String) async throws {
        try await publisher.publish(
            Array(Self.change(portal: portal, originId: originId, op: op, messageID: messageID).utf8),
            exchange: "erp.changes",
            routingKey: "deal.\(op)",
            properties: AMQPProperties(contentType: "application/json", messageID: messageID),
            mandatory: true
        )
    }

    func depth(_ queue: String) async throws -> Int {
        Int(try await admin.declareQueuePassive(queue).messageCount)
    }

    /// Every message in `queue`, left in place.
    func browse(_ queue: String) async throws -> [AMQPDelivery] {
        try await QueueBrowser(broker: admin).messages(in: queue)
    }

    /// The message ids in `queue`, in order, left in place.
    func messageIDs(in queue: String) async throws -> [String] {
        try await browse(queue).map { $0.properties.messageID ?? "?" }
    }

    /// Every queue that can hold waiting work: work and retry-delay queues of every family.
    var sourceQueues: [String] {
        queues.families.flatMap { [$0.work] + $0.retries }
    }

    func pause() async throws {
        try await FleetControl(pool: pool).pause(reason: "test", by: "operator-commands-tests")
    }

    /// Polls `condition` every 100 ms until it holds, or fails after `timeout`.
    func eventually(
        _ what: String,
        timeout: Duration = .seconds(60),
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
}
