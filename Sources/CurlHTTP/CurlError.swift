/// What went wrong with an HTTP exchange, classified so callers can decide between retrying and giving up.
///
/// `Code` is opaque so new failure kinds can be added without breaking `switch`es in client code; compare it with
/// `==` against the static members. The raw libcurl code and libcurl's own text travel along for logs.
package struct CurlError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; compare with `==` (for example `error.code == .timeout`).
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case timeout
            case connectionFailed
            case connectionReset
            case emptyReply
            case tls
            case cancelled
            case invalidURL
            case invalidRequest
            case shutdown
            case httpStatus(Int)
            case other
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The whole exchange (or the connect phase) did not finish within its timeout.
        package static let timeout = Code(.timeout)
        /// The host could not be resolved or the TCP connection was refused or unreachable.
        package static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while the request was sent or the response was received.
        package static let connectionReset = Code(.connectionReset)
        /// The server closed the connection without sending any response.
        package static let emptyReply = Code(.emptyReply)
        /// The TLS handshake or the certificate check failed.
        package static let tls = Code(.tls)
        /// The calling task was cancelled and the transfer was aborted.
        package static let cancelled = Code(.cancelled)
        /// The URL is malformed or uses a scheme other than http or https.
        package static let invalidURL = Code(.invalidURL)
        /// The request itself is unusable (for example a header containing a line break).
        package static let invalidRequest = Code(.invalidRequest)
        /// The client was shut down before or while the request waited.
        package static let shutdown = Code(.shutdown)
        /// Any other libcurl failure.
        package static let other = Code(.other)

        /// The server answered with a status the caller treats as failure (see ``HTTPResponse/expectSuccess()``).
        package static func httpStatus(_ status: Int) -> Code {
            Code(.httpStatus(status))
        }

        /// The HTTP status carried by an ``httpStatus(_:)`` code, nil for every other code.
        package var httpStatus: Int? {
            if case .httpStatus(let status) = base { return status }
            return nil
        }

        package var description: String {
            switch base {
            case .timeout: "timeout"
            case .connectionFailed: "connectionFailed"
            case .connectionReset: "connectionReset"
            case .emptyReply: "emptyReply"
            case .tls: "tls"
            case .cancelled: "cancelled"
            case .invalidURL: "invalidURL"
            case .invalidRequest: "invalidRequest"
            case .shutdown: "shutdown"
            case .httpStatus(let status): "httpStatus(\(status))"
            case .other: "other"
            }
        }
    }

    /// The kind of failure.
    package let code: Code
    /// What went wrong and what to do about it, without the request URL (webhook URLs carry secrets).
    package let message: String
    /// The raw `CURLcode`, when the failure came from libcurl.
    package let curlCode: Int?
    /// libcurl's explanation (`CURLOPT_ERRORBUFFER`, else `curl_easy_strerror`), when there is one.
    package let detail: String?

    package init(code: Code, message: String, curlCode: Int? = nil, detail: String? = nil) {
        self.code = code
        self.message = message
        self.curlCode = curlCode
        self.detail = detail
    }

    /// Whether repeating the same request later may succeed: timeouts, failed connects and dropped connections.
    ///
    /// HTTP statuses are not retryable here: the Bitrix24 layer reads the error body and decides itself.
    package var isRetryable: Bool {
        code == .timeout || code == .connectionFailed || code == .connectionReset || code == .emptyReply
    }

    package var description: String {
        var text = "CurlError.\(code): \(message)"
        if let curlCode {
            text += " [curl \(curlCode)"
            if let detail, !detail.isEmpty { text += ": \(detail)" }
            text += "]"
        }
        return text
    }
}
