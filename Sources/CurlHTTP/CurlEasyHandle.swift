internal import CCurl

/// Owns one libcurl easy handle and runs blocking transfers on it.
///
/// Options are overwritten for every request and the handle is never `curl_easy_reset`, so its connection cache
/// survives between transfers and sequential requests to one host reuse one keep-alive connection.
///
/// Not Sendable: libcurl allows one thread at a time per handle. ``EasyHandlePool`` hands it out exclusively, and
/// only the pool thread running ``perform(_:connectTimeout:totalTimeout:cancellation:)`` touches it.
final class CurlEasyHandle {
    private let handle: UnsafeMutableRawPointer
    /// libcurl writes its explanation of a failure here; it must live as long as the handle.
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let maxResponseBodyBytes: Int

    init(configuration: CurlHTTPConfiguration) throws(CurlError) {
        _ = curlGlobalInitialization
        guard let handle = curl_easy_init() else {
            throw CurlError(code: .other, message: "curl_easy_init failed: the process is probably out of memory.")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        maxResponseBodyBytes = configuration.maxResponseBodyBytes
        try setPersistentOptions(configuration)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Options that hold for the handle's whole life: safety (no signals, http/https only, TLS verification) and
    /// the callbacks that route data into the current ``TransferState``.
    private func setPersistentOptions(_ configuration: CurlHTTPConfiguration) throws(CurlError) {
        try setLong(CURLOPT_NOSIGNAL, 1)
        try setString(CURLOPT_PROTOCOLS_STR, "http,https")
        try setString(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try setLong(CURLOPT_FOLLOWLOCATION, configuration.followRedirects ? 1 : 0)
        try setLong(CURLOPT_MAXREDIRS, 5)
        try setLong(CURLOPT_SSL_VERIFYPEER, 1)
        try setLong(CURLOPT_SSL_VERIFYHOST, 2)
        if let caBundlePath = configuration.caBundlePath {
            try setString(CURLOPT_CAINFO, caBundlePath)
        }
        try setString(CURLOPT_USERAGENT, configuration.userAgent)
        try setLong(CURLOPT_TCP_KEEPALIVE, 1)
        try setLong(CURLOPT_TCP_NODELAY, 1)
        try check(ccurl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer)), "ERRORBUFFER")
        try check(
            ccurl_setopt_write_function(handle, CURLOPT_WRITEFUNCTION) { data, size, count, userData in
                guard let userData else { return 0 }
                let state = Unmanaged<TransferState>.fromOpaque(userData).takeUnretainedValue()
                let length = size * count
                return state.appendBody(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
            },
            "WRITEFUNCTION"
        )
        try check(
            ccurl_setopt_write_function(handle, CURLOPT_HEADERFUNCTION) { data, size, count, userData in
                guard let userData else { return 0 }
                let state = Unmanaged<TransferState>.fromOpaque(userData).takeUnretainedValue()
                let length = size * count
                state.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
                return length
            },
            "HEADERFUNCTION"
        )
        try check(
            ccurl_setopt_xferinfo_function(handle) { userData, _, _, _, _ in
                guard let userData else { return 0 }
                let state = Unmanaged<TransferState>.fromOpaque(userData).takeUnretainedValue()
                return state.cancellation.isCancelled ? 1 : 0
            },
            "XFERINFOFUNCTION"
        )
        try setLong(CURLOPT_NOPROGRESS, 0)
    }

    /// Runs one request to completion on the calling thread, which must not be a Swift concurrency thread.
    ///
    /// Never throws: the outcome is returned as a `Result` so it crosses the thread-pool boundary with its type.
    func perform(
        _ request: HTTPRequest,
        connectTimeout: Duration,
        totalTimeout: Duration,
        cancellation: TransferCancellation
    ) -> Result<HTTPResponse, CurlError> {
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer {
            // Detach before freeing, so the handle never holds a dangling list between transfers.
            _ = ccurl_setopt_ptr(handle, CURLOPT_HTTPHEADER, nil)
            curl_slist_free_all(headerList)
        }
        let state = TransferState(cancellation: cancellation, maxBodyBytes: maxResponseBodyBytes)
        do throws(CurlError) {
            try setLong(CURLOPT_CONNECTTIMEOUT_MS, connectTimeout.curlMilliseconds)
            try setLong(CURLOPT_TIMEOUT_MS, totalTimeout.curlMilliseconds)
            try setString(CURLOPT_URL, request.url)
            try setMethodAndBody(of: request)
            headerList = try makeHeaderList(for: request)
            try check(ccurl_setopt_ptr(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)), "HTTPHEADER")
        } catch {
            return .failure(error)
        }

        errorBuffer[0] = 0
        let result: CURLcode = withExtendedLifetime(state) {
            let opaque = Unmanaged.passUnretained(state).toOpaque()
            _ = ccurl_setopt_ptr(handle, CURLOPT_WRITEDATA, opaque)
            _ = ccurl_setopt_ptr(handle, CURLOPT_HEADERDATA, opaque)
            _ = ccurl_setopt_ptr(handle, CURLOPT_XFERINFODATA, opaque)
            defer {
                _ = ccurl_setopt_ptr(handle, CURLOPT_WRITEDATA, nil)
                _ = ccurl_setopt_ptr(handle, CURLOPT_HEADERDATA, nil)
                _ = ccurl_setopt_ptr(handle, CURLOPT_XFERINFODATA, nil)
            }
            return curl_easy_perform(handle)
        }

        guard result == CURLE_OK else {
            if state.bodyTooLarge {
                return .failure(
                    CurlError(
                        code: .other,
                        message: "The response from \(request.hostForMessages) is larger than the configured limit of "
                            + "\(maxResponseBodyBytes) bytes. Page the request or raise maxResponseBodyBytes.",
                        curlCode: Int(result.rawValue)
                    )
                )
            }
            return .failure(
                .transferFailure(
                    result,
                    detail: String(cString: errorBuffer),
                    host: request.hostForMessages,
                    wasCancelled: cancellation.isCancelled,
                    timeout: totalTimeout
                )
            )
        }

        var status = 0
        var totalMicroseconds: curl_off_t = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = ccurl_getinfo_off(handle, CURLINFO_TOTAL_TIME_T, &totalMicroseconds)
        return .success(
            HTTPResponse(
                status: status,
                headers: state.headers,
                body: state.body,
                totalTime: .microseconds(totalMicroseconds)
            )
        )
    }

    /// Sets the method for this transfer, undoing whatever the previous request on this handle chose.
    private func setMethodAndBody(of request: HTTPRequest) throws(CurlError) {
        try setLong(CURLOPT_NOBODY, 0)
        try setString(CURLOPT_CUSTOMREQUEST, nil)
        try setLong(CURLOPT_HTTPGET, 1)
        if request.method == .head {
            try setLong(CURLOPT_NOBODY, 1)
            return
        }
        if request.body != nil || request.method == .post {
            // COPYPOSTFIELDS makes libcurl copy the bytes now, so the Swift array need not outlive this call; the
            // size goes first so binary bodies with NUL bytes are copied whole. A one-byte stand-in keeps the
            // pointer non-NULL for an empty body (NULL would make libcurl read the body from stdin).
            let body = request.body ?? []
            try check(ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE")
            let copied = (body.isEmpty ? [0] : body).withUnsafeBytes { bytes in
                ccurl_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
            try check(copied, "COPYPOSTFIELDS")
        }
        if request.method != .get && request.method != .post {
            try setString(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
    }

    /// Builds the request's header list; the caller frees it after the transfer.
    private func makeHeaderList(for request: HTTPRequest) throws(CurlError) -> UnsafeMutablePointer<curl_slist>? {
        var lines = request.headers.map { field in
            // "Name:" would tell libcurl to drop the header; "Name;" is its spelling for an empty value.
            field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
        }
        // Without this, libcurl waits for "100 Continue" before sending bodies over 1 KiB, adding a round trip.
        if !request.headers.contains("Expect") { lines.append("Expect:") }
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                curl_slist_free_all(list)
                throw CurlError(code: .other, message: "curl_slist_append failed: the process is out of memory.")
            }
            list = appended
        }
        return list
    }

    private func setLong(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(ccurl_setopt_long(handle, option, value), "\(option.rawValue)")
    }

    private func setString(_ option: CURLoption, _ value: String?) throws(CurlError) {
        guard let value else {
            try check(ccurl_setopt_string(handle, option, nil), "\(option.rawValue)")
            return
        }
        try check(ccurl_setopt_string(handle, option, value), "\(option.rawValue)")
    }

    private func check(_ result: CURLcode, _ option: String) throws(CurlError) {
        guard result == CURLE_OK else { throw CurlError.setupFailure(result, option: option) }
    }
}
