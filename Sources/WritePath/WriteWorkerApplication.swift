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

/// The composition root of `upsert-worker` and `delete-worker`: reads the environment, connects to PostgreSQL and
/// RabbitMQ, and runs the queue's ``BatchingConsumer`` until SIGTERM or SIGINT.
///
/// Environment (besides ``FleetEnvironment``'s):
/// - `WORKER_PREFETCH`: default 1000 for upsert (its look-ahead finds many items on the portal in one request), 200
///   for delete;
/// - `WORKER_LANES`: concurrent batches, default 4;
/// - `WORKER_BATCH_SIZE`: default 49 for upsert (one command of a 50-command `batch` looks ahead), 50 for delete;
/// - `WORKER_IN_FLIGHT_WINDOW_MS`: how long a dead worker's write may still land; default the HTTP total timeout;
/// - `SYNC_OPERATING_BUDGET_SECONDS`: a portal method's operating-time budget per 10 minutes, default 480;
/// - `SYNC_CONTROL_INTERVAL_MS`: how often the fleet-wide pause/trip switch is read, default 1000;
/// - `SYNC_ROLLBACK_CHECK_MS`: how often the rollback trigger evaluates its window, default 5000; 0 leaves the
///   evaluation to other replicas (this one still obeys a trip);
/// - `METRICS_PORT`: serve Prometheus text on `GET /metrics` at this port (unset or 0: no listener), see
///   ``FleetMetricsServer``;
/// - `WORKER_SHUTDOWN_SECONDS`: the longest a graceful stop may take before what remains is cancelled, default 20.
package enum WriteWorkerApplication {
    package enum Role: String, Sendable {
        case upsert, delete
    }

    package static func run(_ role: Role, environment: FleetEnvironment = FleetEnvironment()) async throws {
        let processName = "\(role.rawValue)-worker"
        StructuredLogging.bootstrap(process: processName)
        let logger = Logger(label: processName)
        let contract = try environment.contract()
        let plan = try TopologyPlan(definition: try environment.topology(), contract: contract)
        let topology = try environment.topology()
        guard let work = topology.workQueue(forOperation: role.rawValue),
            let schedule = plan.retrySchedules[role.rawValue]
        else {
            throw FleetConfigurationError("the topology has no work queue for operation '\(role.rawValue)'")
        }
        let settings = BatchingConsumer.Settings(
            queue: work.name,
            prefetch: UInt16(environment.integer("WORKER_PREFETCH") ?? (role == .upsert ? 1000 : 200)),
            // Upserts leave one command of each 50-command batch for looking ahead (see UpsertProcessor).
            batchSize: min(environment.integer("WORKER_BATCH_SIZE") ?? (role == .upsert ? 49 : 50), 50),
            lanes: environment.integer("WORKER_LANES") ?? 4
        )
        let pool = PQPool(
            configuration: try environment.databaseConfiguration(),
            maxConnections: settings.lanes * 2 + 2,
            logger: logger
        )
        defer { pool.close() }
        let http = CurlHTTPClient(
            configuration: CurlHTTPConfiguration(
                connectTimeout: .seconds(5),
                totalTimeout: .seconds(65),
                maxConnections: settings.lanes * 2
            ),
            logger: logger
        )
        defer { http.shutdown() }
        let amqp = try environment.amqpConfiguration()
        let publisher = try await AMQPPublisher.connect(configuration: amqp, logger: logger)
        let process = try makeProcess(
            role,
            contract: contract,
            schema: try JSONSchemaValidator.loadDefault(
                named: ERPChange.schemaName,
                environment: environment.variables
            ),
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
            inFlightWindow: environment.integer("WORKER_IN_FLIGHT_WINDOW_MS").map { .milliseconds($0) }
                ?? UpsertProcessor.defaultInFlightWindow,
            operatingBudgetSeconds: environment.integer("SYNC_OPERATING_BUDGET_SECONDS").map(Double.init)
                ?? OperatingTimePacer.defaultBudgetSeconds
        )
        let consumer = BatchingConsumer(
            settings: settings,
            configuration: amqp,
            logger: logger,
            intake: IntakeGate(
                control: FleetControl(pool: pool),
                scope: .writes,
                interval: .milliseconds(environment.integer("SYNC_CONTROL_INTERVAL_MS") ?? 1000)
            ),
            process: process
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: consumer),
            .init(
                service: StartupCapabilityCheck(
                    contract: contract,
                    pool: pool,
                    directory: PortalDirectory(pool: pool, http: http),
                    logger: logger
                ),
                successTerminationBehavior: .ignore
            ),
        ]
        let rollbackCheck = environment.integer("SYNC_ROLLBACK_CHECK_MS") ?? 5000
        if rollbackCheck > 0 {
            let rollback = RollbackMonitor(
                policy: contract.rollback,
                pool: pool,
                interval: .milliseconds(rollbackCheck),
                logger: logger
            )
            services.append(.init(service: rollback))
        }
        if let metrics = FleetMetricsServer.fromEnvironment(environment, logger: logger) {
            services.append(.init(service: metrics))
        }
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // A bounded stop: after this the group cancels what still runs, and the broker requeues what is unacked.
        configuration.maximumGracefulShutdownDuration = .seconds(environment.integer("WORKER_SHUTDOWN_SECONDS") ?? 20)
        try await ServiceGroup(configuration: configuration).run()
        await publisher.close()
    }

    /// The batch handler of `role`, wired from its parts; tests build the fleet's real graph through it with a
    /// contract of their own.
    package static func makeProcess(
        _ role: Role,
        contract: IntegrationContract,
        schema: JSONSchemaValidator,
        pool: PQPool,
        http: CurlHTTPClient,
        publisher: AMQPPublisher,
        router: MessageRouter,
        logger: Logger,
        inFlightWindow: Duration = UpsertProcessor.defaultInFlightWindow,
        operatingBudgetSeconds: Double = OperatingTimePacer.defaultBudgetSeconds
    ) throws -> BatchingConsumer.Process {
        let directory = PortalDirectory(pool: pool, http: http)
        let renewal = ExpiredTokenRenewal(
            refresher: OAuthTokenRefresher(pool: pool, http: http, logger: logger),
            directory: directory
        )
        let decoder = ChangeDecoder(
            contract: contract,
            schema: schema,
            portals: directory,
            fieldSchemas: FieldSchemaCache(pool: pool, logger: logger),
            capabilities: CapabilityCache(
                matrix: contract.capabilities,
                budget: PortalRequestBudget(pool: pool),
                sharedThrough: pool,
                logger: logger
            ),
            operation: role == .upsert ? .upsert : .delete
        )
        switch role {
        case .upsert:
            let processor = UpsertProcessor(
                contract: contract,
                decoder: decoder,
                pool: pool,
                router: router,
                changes: publisher,
                logger: logger,
                inFlightWindow: inFlightWindow,
                operatingBudgetSeconds: operatingBudgetSeconds,
                renewal: renewal
            )
            return { batch, upcoming in try await processor.process(batch, upcoming: upcoming) }
        case .delete:
            let processor = DeleteProcessor(
                contract: contract,
                decoder: decoder,
                pool: pool,
                router: router,
                changes: publisher,
                logger: logger,
                renewal: renewal
            )
            return { batch, _ in try await processor.process(batch) }
        }
    }
}
