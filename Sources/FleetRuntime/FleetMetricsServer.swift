import Hummingbird
package import Logging
import NIOCore
import ServiceLifecycle

/// Serves ``FleetMetrics`` as Prometheus text on `GET /metrics`, as a `Service` beside a worker's consumer.
///
/// Every long-running executable starts one when `METRICS_PORT` is set to a port number (unset or `0`: no listener);
/// `METRICS_HOST` picks the address (default `0.0.0.0`, so that a scraper on another host reaches it).
package struct FleetMetricsServer: Service {
    private let host: String
    private let port: Int
    private let logger: Logger
    private let onListening: @Sendable (Int) async -> Void

    /// - Parameters:
    ///   - port: the port to listen on; `0` picks a free one (tests), reported through `onListening`.
    package init(
        host: String = "0.0.0.0",
        port: Int,
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.logger = logger
        self.onListening = onListening
    }

    /// The server `environment` asks for (`METRICS_PORT`, `METRICS_HOST`), after bootstrapping the metrics
    /// backend; nil when `METRICS_PORT` is unset or 0 (metrics are then recorded nowhere).
    package static func fromEnvironment(_ environment: FleetEnvironment, logger: Logger) -> FleetMetricsServer? {
        guard let port = environment.integer("METRICS_PORT"), port > 0 else { return nil }
        FleetMetrics.bootstrap()
        let host = environment.variables["METRICS_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
        return FleetMetricsServer(host: host, port: port, logger: logger)
    }

    package func run() async throws {
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: FleetMetrics.exposition()))
            )
        }
        let onListening = self.onListening
        let logger = self.logger
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("metrics served", metadata: ["metrics.port": "\(port)", "metrics.path": "/metrics"])
                await onListening(port)
            },
            logger: logger
        )
        try await application.run()
    }
}
