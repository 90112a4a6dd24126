package import Logging
package import NIOPosix

/// An HTTP/1.1 client over libcurl for calling REST APIs such as Bitrix24.
///
/// Each request leases one easy handle from a small pool (``CurlHTTPConfiguration/maxConnections``), so sequential
/// requests reuse keep-alive connections. The blocking `curl_easy_perform` runs on a `NIOThreadPool` thread, never
/// on the Swift concurrency pool; cancelling the calling task aborts the transfer within about a second.
///
/// Every HTTP status comes back as an ``HTTPResponse``; call ``HTTPResponse/expectSuccess()`` to turn non-2xx into
/// ``CurlError/Code/httpStatus(_:)``. Redirects are not followed unless configured.
package final class CurlHTTPClient: Sendable {
    package let configuration: CurlHTTPConfiguration
    private let pool: EasyHandlePool
    private let threadPool: NIOThreadPool
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: Timeouts, pool size, user agent and TLS trust.
    ///   - threadPool: Where blocking transfers run. Each running transfer occupies one of its threads, so a pool
    ///     shared with database calls should have at least ``CurlHTTPConfiguration/maxConnections`` spare threads.
    ///   - logger: Receives one debug line per request (method, host, status, duration); never the URL's path.
    package init(
        configuration: CurlHTTPConfiguration = CurlHTTPConfiguration(),
        threadPool: NIOThreadPool = .singleton,
        logger: Logger = Logger(label: "curl-http", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        _ = curlGlobalInitialization
        self.configuration = configuration
        self.threadPool = threadPool
        self.logger = logger
        pool = EasyHandlePool(configuration: configuration)
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Parameters:
    ///   - request: What to send.
    ///   - timeout: Overrides ``CurlHTTPConfiguration/totalTimeout`` for this request.
    ///   - connectTimeout: Overrides ``CurlHTTPConfiguration/connectTimeout`` for this request.
    /// - Throws: ``CurlError`` for network, TLS, timeout, cancellation and request-validation failures; check
    ///   ``CurlError/isRetryable`` to decide whether to try again.
    package func execute(
        _ request: HTTPRequest,
        timeout: Duration? = nil,
        connectTimeout: Duration? = nil
    ) async throws(CurlError) -> HTTPResponse {
        try request.validate()
        let totalTimeout = timeout ?? configuration.totalTimeout
        let connectTimeout = connectTimeout ?? configuration.connectTimeout
        let lease = try await pool.lease()
        defer { pool.release(lease) }

        let cancellation = TransferCancellation()
        let outcome: Result<HTTPResponse, CurlError>
        do {
            outcome = try await withTaskCancellationHandler {
                try await threadPool.runIfActive {
                    lease.handle.perform(
                        request,
                        connectTimeout: connectTimeout,
                        totalTimeout: totalTimeout,
                        cancellation: cancellation
                    )
                }
            } onCancel: {
                cancellation.cancel()
            }
        } catch is CancellationError {
            outcome = .failure(
                CurlError(code: .cancelled, message: "The request was cancelled before it started; nothing was sent.")
            )
        } catch {
            outcome = .failure(
                CurlError(
                    code: .shutdown,
                    message: "The thread pool that runs transfers is not active (\(error)). Keep it running for "
                        + "the client's lifetime."
                )
            )
        }
        log(request, outcome)
        return try outcome.get()
    }

    /// Stops lending handles: waiting and later requests fail with ``CurlError/Code/shutdown``, idle connections are
    /// closed now and busy ones when their transfer ends.
    package func shutdown() {
        pool.shutdown()
    }

    private func log(_ request: HTTPRequest, _ outcome: Result<HTTPResponse, CurlError>) {
        switch outcome {
        case .success(let response):
            logger.debug(
                "HTTP request finished",
                metadata: [
                    "http.method": "\(request.method)",
                    "http.host": "\(request.hostForMessages)",
                    "http.status": "\(response.status)",
                    "http.duration_ms": "\(response.totalTime.curlMilliseconds)",
                ]
            )
        case .failure(let error):
            logger.debug(
                "HTTP request failed",
                metadata: [
                    "http.method": "\(request.method)",
                    "http.host": "\(request.hostForMessages)",
                    "error.code": "\(error.code)",
                    "error.detail": "\(error.detail ?? "")",
                ]
            )
        }
    }
}
