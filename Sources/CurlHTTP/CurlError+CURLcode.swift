internal import CCurl

extension CurlError {
    /// Turns a failed `curl_easy_perform` into a classified error with advice on what to do.
    ///
    /// - Parameters:
    ///   - result: The code libcurl returned.
    ///   - detail: The text libcurl left in the handle's error buffer, if any.
    ///   - host: The host name only (never the full URL, which may carry a webhook secret).
    ///   - wasCancelled: Whether our progress callback aborted the transfer because the task was cancelled.
    ///   - timeout: The total timeout that applied, for the message.
    static func transferFailure(
        _ result: CURLcode,
        detail: String?,
        host: String,
        wasCancelled: Bool,
        timeout: Duration
    ) -> CurlError {
        let text = detail.flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: curl_easy_strerror(result))
        let raw = Int(result.rawValue)
        func make(_ code: Code, _ message: String) -> CurlError {
            CurlError(code: code, message: message, curlCode: raw, detail: text)
        }
        switch result {
        case CURLE_ABORTED_BY_CALLBACK where wasCancelled:
            return make(.cancelled, "The request to \(host) was cancelled by its task and the transfer was aborted.")
        case CURLE_OPERATION_TIMEDOUT:
            return make(
                .timeout,
                "The request to \(host) did not finish within its timeout (\(timeout)). "
                    + "The server is slow or unreachable: retry later, or raise the timeout if the call is legitimately slow."
            )
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return make(
                .connectionFailed,
                "Could not connect to \(host) (name lookup or TCP connect failed). "
                    + "Check the host name and that the server is up; retrying later may succeed."
            )
        case CURLE_GOT_NOTHING:
            return make(
                .emptyReply,
                "\(host) closed the connection without answering. Retry; for a write, the server may already have "
                    + "processed it, so make the retry idempotent."
            )
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return make(
                .connectionReset,
                "The connection to \(host) broke during the exchange. Retry; for a write, the server may already "
                    + "have processed it, so make the retry idempotent."
            )
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
            CURLE_SSL_ENGINE_INITFAILED,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            return make(
                .tls,
                "The TLS handshake or certificate check with \(host) failed. Check that the URL points at an https "
                    + "endpoint and that its certificate is valid for that host name (verification cannot be turned off)."
            )
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return make(.invalidURL, "The URL for \(host) is malformed or not http/https. Fix the URL.")
        default:
            return make(.other, "The request to \(host) failed in libcurl. See the detail; report it if it persists.")
        }
    }

    /// An error for a libcurl option that could not be set, which means a bug or a libcurl built without a feature.
    static func setupFailure(_ result: CURLcode, option: String) -> CurlError {
        CurlError(
            code: .other,
            message: "libcurl rejected option \(option). The installed libcurl lacks a needed feature: install "
                + "libcurl4-openssl-dev 7.85 or newer.",
            curlCode: Int(result.rawValue),
            detail: String(cString: curl_easy_strerror(result))
        )
    }
}
