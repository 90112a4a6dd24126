package import Hummingbird
package import Logging
import NIOCore

/// The gateway's HTTP surface: the CRM event handlers, the app install and uninstall handlers, `GET /healthz`
/// and `GET /metrics`. A refusal answers 4xx, writes one `security` log line when it is one, and queues nothing.
package enum GatewayRouter {
    package static func make(
        intake: EventIntake,
        installation: AppInstallation,
        metrics: GatewayMetrics,
        logger: Logger
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in
            plain(.ok, "ok\n")
        }
        router.get("/metrics") { _, _ in
            plain(.ok, metrics.text)
        }
        router.post("/hooks/crm/:handler") { request, _ in
            await answer(request, metrics: metrics, logger: logger) {
                (body: [UInt8]) throws(GatewayRejection) -> String in
                try await intake.accept(body: body).rawValue
            }
        }
        router.post("/hooks/app/install") { request, _ in
            await answer(request, metrics: metrics, logger: logger) {
                (body: [UInt8]) throws(GatewayRejection) -> String in
                let outcome = try await installation.install(body: body)
                metrics.count(.installed)
                return outcome.rawValue
            }
        }
        router.post("/hooks/app/uninstall") { request, _ in
            await answer(request, metrics: metrics, logger: logger) {
                (body: [UInt8]) throws(GatewayRejection) -> String in
                _ = try await installation.uninstall(body: body)
                metrics.count(.uninstalled)
                return "uninstalled"
            }
        }
        return router
    }

    /// Reads the body (bounded), runs `handle`, and turns its outcome or refusal into the answer.
    private static func answer(
        _ request: Request,
        metrics: GatewayMetrics,
        logger: Logger,
        _ handle: ([UInt8]) async throws(GatewayRejection) -> String
    ) async -> Response {
        let started = ContinuousClock.now
        defer { metrics.answered(after: ContinuousClock.now - started) }
        var request = request
        let path = request.uri.path
        let body: [UInt8]
        do {
            let buffer = try await request.collectBody(upTo: EventIntake.maximumBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            return refuse(
                GatewayRejection(.bodyTooLarge, "the body is larger than 16 KiB or could not be read"),
                path: path,
                metrics: metrics,
                logger: logger
            )
        }
        do {
            let outcome = try await handle(body)
            return plain(.ok, "{\"result\":\"\(outcome)\"}\n", contentType: "application/json")
        } catch {
            return refuse(error, path: path, metrics: metrics, logger: logger)
        }
    }

    private static func refuse(_ rejection: GatewayRejection, path: String, metrics: GatewayMetrics, logger: Logger)
        -> Response
    {
        metrics.refused(rejection.code)
        let metadata: Logger.Metadata = [
            "path": "\(path)", "reason": "\(rejection.code)", "detail": "\(rejection.message)",
            "status": "\(rejection.code.httpStatus)",
        ]
        if rejection.code.isSecurityEvent {
            logger.warning("security: event refused", metadata: metadata.merging(["security": "true"]) { $1 })
        } else {
            logger.info("event refused", metadata: metadata)
        }
        return plain(
            HTTPResponse.Status(code: rejection.code.httpStatus),
            "{\"error\":\"\(rejection.code)\"}\n",
            contentType: "application/json"
        )
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain")
        -> Response
    {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
