package import AMQPClient
package import FleetRuntime
import Foundation
package import Hummingbird
package import Logging
package import NIOCore
package import PQClient
import PullPath
import ServiceLifecycle
import StructuredLogging
package import SyncCore
import UnixSignals

/// The composition root of `event-gateway`: the HTTP server on `GATEWAY_HOST`:`GATEWAY_PORT` (default
/// 127.0.0.1:8088) and the forwarder of parked events, until SIGTERM or SIGINT.
package enum EventGatewayApplication {
    /// Builds the HTTP application with its forwarder; tests and the benchmark run it in process.
    package static func make(
        contract: IntegrationContract,
        pool: PQPool,
        publisher: AMQPPublisher,
        logger: Logger,
        metrics: GatewayMetrics = GatewayMetrics(),
        host: String = "127.0.0.1",
        port: Int = 8088,
        forwardInterval: Duration = .seconds(1),
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let events = PortalEventPublisher(publisher: publisher)
        let intake = EventIntake(pool: pool, publisher: events, contract: contract, logger: logger, metrics: metrics)
        let router = GatewayRouter.make(
            intake: intake,
            installation: AppInstallation(intake: intake, pool: pool, logger: logger),
            metrics: metrics,
            logger: logger
        )
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "event-gateway"),
            services: [
                IntakeForwarder(
                    pool: pool,
                    publisher: events,
                    interval: forwardInterval,
                    logger: logger,
                    metrics: metrics
                )
            ],
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    package static func run(environment: FleetEnvironment = FleetEnvironment()) async throws {
        StructuredLogging.bootstrap(process: "event-gateway")
        let logger = Logger(label: "event-gateway")
        let contract = try environment.contract()
        let pool = PQPool(configuration: try environment.databaseConfiguration(), maxConnections: 16, logger: logger)
        defer { pool.close() }
        let publisher = try await AMQPPublisher.connect(
            configuration: try environment.amqpConfiguration(),
            logger: logger
        )
        let host = environment.variables["GATEWAY_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let port = environment.integer("GATEWAY_PORT") ?? 8088
        let application = make(
            contract: contract,
            pool: pool,
            publisher: publisher,
            logger: logger,
            host: host,
            port: port
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: application)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        await publisher.close()
    }
}
