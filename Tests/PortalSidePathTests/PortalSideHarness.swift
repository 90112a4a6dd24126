import AMQPClient
import CurlHTTP
import EventGateway
import FleetRuntime
import Foundation
import Hummingbird
import Logging
import NIOCore
import PQClient
import ServiceLifecycle
import StructuredLogging
import SyncCore
import Synchronization
import TestSupport
import Testing

/// The portal's side of the fleet on the real broker and database (a private virtual host and database of this
/// test's own) with the in-process portal simulator and the event gateway on a free port.
///
/// Every log line of the fleet's code goes to ``logs`` (JSON, as in production), so a test can search them.
final class PortalSideHarness: Sendable {
    let logger: Logger
    let logs: LogLineRecorder
    let contract: IntegrationContract
    let topology: TopologyDefinition
    let plan: TopologyPlan
    let amqp: AMQPConfiguration
    let databaseURL: String
    let pool: PQPool
    let http: CurlHTTPClient
    let publisher: AMQPPublisher
    let admin: AMQPConnection
    let portals: PortalSideSimulator
    let gatewayURL: String
    let metrics: GatewayMetrics
    let outcomesQueue: String
    /// Every `b24.changes` message taken from ``outcomesQueue`` so far.
    let collectedOutcomes = Mutex<[B24Change]>([])

    private init(
        logger: Logger,
        logs: LogLineRecorder,
        contract: IntegrationContract,
        topology: TopologyDefinition,
        plan: TopologyPlan,
        amqp: AMQPConfiguration,
        databaseURL: String,
        pool: PQPool,
        http: CurlHTTPClient,
        publisher: AMQPPublisher,
        admin: AMQPConnection,
        portals: PortalSideSimulator,
        gatewayURL: String,
        metrics: GatewayMetrics,
        outcomesQueue: String
    ) {
        self.logger = logger
        self.logs = logs
        self.contract = contract
        self.topology = topology
        self.plan = plan
        self.amqp = amqp
        self.databaseURL = databaseURL
        self.pool = pool
        self.http = http
        self.publisher = publisher
        self.admin = admin
        self.portals = portals
        self.gatewayURL = gatewayURL
        self.metrics = metrics
        self.outcomesQueue = outcomesQueue
    }

    /// Runs `body` with a harness on private services; `pollingSeconds` shortens the polling interval.
    static func run(pollingSeconds: Int = 900, _ body: @Sendable (PortalSideHarness) async throws -> Void)
        async throws
    {
        try await IsolatedServices.with { services in
            let logs = LogLineRecorder()
            let logger = Logger(label: "portal-side-tests") { label in
                JSONLogHandler(label: label, process: "portal-side-tests", level: .debug, sink: logs.sink)
            }
            let root = TestEnvironment.repositoryRoot
            let schemas = root.appendingPathComponent("schemas")
            let realContract = try IntegrationContract.load(from: schemas.appendingPathComponent("contract.json"))
            let contract = fast(realContract, pollingSeconds: pollingSeconds)
            let topology = try TopologyDefinition.load(
                from: root.appendingPathComponent("infra/rabbitmq/topology.json")
            )
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
            _ = try await FleetSetup(
                plan: try TopologyPlan(definition: topology, contract: realContract),
                logger: logger
            )
            .run(pool: pool, migrations: schemas.appendingPathComponent("sql"), broker: admin)
            try await FleetSetup(plan: plan, logger: logger).declare(on: admin)
            let outcomesQueue = "test.portalside.outcomes"
            try await admin.declareQueue(outcomesQueue, durable: false, autoDelete: false)
            try await admin.bindQueue(outcomesQueue, exchange: "b24.changes", routingKey: "#")
            let publisher = try await AMQPPublisher.connect(configuration: amqp)
            let metrics = GatewayMetrics()
            do {
                try await PortalSideSimulator.run(logger: logger) { portals in
                    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
                    let gateway = EventGatewayApplication.make(
                        contract: contract,
                        pool: pool,
                        publisher: publisher,
                        logger: logger,
                        metrics: metrics,
                        port: 0,
                        forwardInterval: .milliseconds(100),
                        onServerRunning: { channel in
                            portSink.yield(channel.localAddress?.port ?? 0)
                            portSink.finish()
                        }
                    )
                    let group = ServiceGroup(
                        configuration: ServiceGroupConfiguration(services: [gateway], logger: logger)
                    )
                    try await withThrowingTaskGroup(of: Void.self) { tasks in
                        tasks.addTask { try await group.run() }
                        var port = 0
                        for await announced in ports { port = announced }
                        let harness = PortalSideHarness(
                            logger: logger,
                            logs: logs,
                            contract: contract,
                            topology: topology,
                            plan: plan,
                            amqp: amqp,
                            databaseURL: services.databaseURL,
                            pool: pool,
                            http: http,
                            publisher: publisher,
                            admin: admin,
                            portals: portals,
                            gatewayURL: "http://127.0.0.1:\(port)",
                            metrics: metrics,
                            outcomesQueue: outcomesQueue
                        )
                        do {
                            try await body(harness)
                        } catch {
                            await group.triggerGracefulShutdown()
                            try? await tasks.waitForAll()
                            throw error
                        }
                        await group.triggerGracefulShutdown()
                        try await tasks.waitForAll()
                    }
                }
            } catch {
                await publisher.close()
                await admin.close()
                throw error
            }
            await publisher.close()
            await admin.close()
        }
    }

    /// The contract with every backoff shortened (counts unchanged) and the polling interval set.
    static func fast(_ contract: IntegrationContract, pollingSeconds: Int) -> IntegrationContract {
        var copy = contract
        for index in copy.operations.indices {
            copy.operations[index].backoff.minSeconds = 0.05
            copy.operations[index].backoff.maxSeconds = 0.2
        }
        copy.eventIntake.backoff.minSeconds = 0.01
        copy.eventIntake.backoff.maxSeconds = 0.04
        copy.polling.intervalSeconds = pollingSeconds
        return copy
    }

    // MARK: portals

    /// A simulated portal registered with the fleet (webhook credentials and its application token).
    func makePortal(registerToken: Bool = true) async throws -> PortalSideSimulator.Identity {
        let identity = portals.addPortal("t-\(UUID().uuidString.lowercased().prefix(12)).test")
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(
                domain: identity.domain,
                memberID: identity.memberID,
                webhookURL: identity.webhookURL,
                applicationToken: registerToken ? identity.applicationToken : nil,
                plan: .box
            )
        )
        return identity
    }

    /// Binds the portal's deal events to the gateway through `event.bind`, with an OAuth token as an app would.
    func bindDealEvents(_ identity: PortalSideSimulator.Identity) async throws {
        let tokens = portals.issueTokens(identity.domain)
        for (event, path) in [
            ("ONCRMDEALADD", "deal-add"), ("ONCRMDEALUPDATE", "deal-update"), ("ONCRMDEALDELETE", "deal-delete"),
        ] {
            let response = try await http.execute(
                .postJSON(
                    identity.clientEndpoint + "event.bind.json",
                    body: JSONValue.object([
                        "event": .string(event), "handler": .string("\(gatewayURL)/hooks/crm/\(path)"),
                        "auth": .string(tokens.access),
                    ]).compactBytes
                )
            )
            #expect(response.status == 200, "event.bind answered \(response.bodyString)")
        }
    }

    // MARK: gateway

    /// Posts a form body to the gateway; returns the HTTP status.
    func post(_ path: String, _ body: [UInt8]) async throws -> Int {
        try await http.execute(
            CurlHTTP.HTTPRequest(
                method: .post,
                url: gatewayURL + path,
                headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: body
            )
        ).status
    }

    /// Messages waiting in `queue`.
    func depth(_ queue: String) async throws -> Int {
        Int(try await admin.declareQueuePassive(queue).messageCount)
    }

    /// Takes every message waiting in `queue`.
    func drain(_ queue: String) async throws -> [AMQPDelivery] {
        var deliveries: [AMQPDelivery] = []
        while let delivery = try await admin.get(queue: queue) {
            _ = try await admin.ack(delivery)
            deliveries.append(delivery)
        }
        return deliveries
    }

    /// Polls `condition` every 50 ms until it holds, or fails the test after `timeout`.
    func eventually(
        _ what: String,
        timeout: Duration = .seconds(20),
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
}

/// A harness step that could not be done; the message says which.
struct PortalSideTestError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
