package import AMQPClient
package import CurlHTTP
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
import ServiceLifecycle
import StructuredLogging
package import SyncCore
import UnixSignals

/// The composition root of `pull-worker`: consumes `sync.pull` with the fleet's ``BatchingConsumer`` (so the pause
/// switch, metrics and graceful shutdown apply), and runs the polling fallback beside it, until SIGTERM or SIGINT.
///
/// Environment (besides ``FleetEnvironment``'s): `WORKER_PREFETCH` (default 200), `WORKER_LANES` (4),
/// `WORKER_BATCH_SIZE` (50), `PULL_POLLING=off` to run no polling fallback in this replica,
/// `PULL_OFFLINE_EVENTS=off` to read no offline events, `PULL_OFFLINE_EVENTS_INTERVAL_SECONDS` (30), `METRICS_PORT`
/// (Prometheus text on `GET /metrics`; unset or 0: none).
package enum PullWorkerApplication {
    package static func run(environment: FleetEnvironment = FleetEnvironment()) async throws {
        StructuredLogging.bootstrap(process: "pull-worker")
        let logger = Logger(label: "pull-worker")
        let contract = try environment.contract()
        let topology = try environment.topology()
        let plan = try TopologyPlan(definition: topology, contract: contract)
        guard let work = topology.workQueue(forOperation: SyncOperation.pull.rawValue),
            let schedule = plan.retrySchedules[SyncOperation.pull.rawValue]
        else {
            throw FleetConfigurationError("the topology has no work queue for operation 'pull'")
        }
        let settings = BatchingConsumer.Settings(
            queue: work.name,
            prefetch: UInt16(environment.integer("WORKER_PREFETCH") ?? 200),
            batchSize: min(environment.integer("WORKER_BATCH_SIZE") ?? 50, 50),
            lanes: environment.integer("WORKER_LANES") ?? 4
        )
        let pool = PQPool(
            configuration: try environment.databaseConfiguration(),
            maxConnections: settings.lanes * 2 + 3,
            logger: logger
        )
        defer { pool.close() }
        let http = CurlHTTPClient(
            configuration: CurlHTTPConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(65)),
            logger: logger
        )
        defer { http.shutdown() }
        let amqp = try environment.amqpConfiguration()
        let publisher = try await AMQPPublisher.connect(configuration: amqp, logger: logger)
        let portals = PortalDirectory(pool: pool, http: http)
        let process = makeProcess(
            contract: contract,
            pool: pool,
            http: http,
            portals: portals,
            publisher: publisher,
            router: MessageRouter(
                operation: SyncOperation.pull.rawValue,
                schedule: schedule,
                deadLetterQueue: topology.deadLetterQueue(of: work.name),
                publisher: publisher
            ),
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: BatchingConsumer(
                    settings: settings,
                    configuration: amqp,
                    logger: logger,
                    intake: IntakeGate(control: FleetControl(pool: pool), scope: .allMessages),
                    process: process
                )
            )
        ]
        if environment.variables["PULL_POLLING"]?.lowercased() != "off" {
            services.append(
                .init(
                    service: PollingFallback(
                        pool: pool,
                        portals: portals,
                        events: PortalEventPublisher(publisher: publisher),
                        interval: contract.pollingInterval,
                        logger: logger
                    )
                )
            )
        }
        if environment.variables["PULL_OFFLINE_EVENTS"]?.lowercased() != "off" {
            services.append(
                .init(
                    service: OfflineEventReader(
                        pool: pool,
                        portals: portals,
                        events: PortalEventPublisher(publisher: publisher),
                        tokens: OAuthTokenRefresher(pool: pool, http: http, logger: logger),
                        interval: .seconds(environment.integer("PULL_OFFLINE_EVENTS_INTERVAL_SECONDS") ?? 30),
                        logger: logger
                    )
                )
            )
        }
        if let metrics = FleetMetricsServer.fromEnvironment(environment, logger: logger) {
            services.append(.init(service: metrics))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        await publisher.close()
    }

    /// The batch handler, wired from its parts; tests build the real graph through it.
    package static func makeProcess(
        contract: IntegrationContract,
        pool: PQPool,
        http: CurlHTTPClient,
        portals: PortalDirectory,
        publisher: AMQPPublisher,
        router: MessageRouter,
        logger: Logger
    ) -> BatchingConsumer.Process {
        let processor = PullProcessor(
            contract: contract,
            pool: pool,
            portals: portals,
            router: router,
            changes: publisher,
            tokens: OAuthTokenRefresher(pool: pool, http: http, logger: logger),
            logger: logger
        )
        return { batch, _ in try await processor.process(batch) }
    }
}
