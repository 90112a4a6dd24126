/// Settings shared by every request of one ``CurlHTTPClient``.
///
/// TLS peer and host verification are always on and deliberately have no switch here; point ``caBundlePath`` at a
/// private CA instead of disabling verification.
package struct CurlHTTPConfiguration: Sendable {
    /// Longest time to resolve the host and complete the TCP (and TLS) connect.
    package var connectTimeout: Duration
    /// Longest time for a whole exchange, connect included. Bitrix24 cuts requests off at 60 s on its side.
    package var totalTimeout: Duration
    /// How many easy handles (each with its own keep-alive connection cache) may be in use at once; more
    /// concurrent requests wait for a free handle.
    package var maxConnections: Int
    /// The `User-Agent` header sent with every request.
    package var userAgent: String
    /// A PEM file of extra trusted CA certificates, or nil for the system store.
    package var caBundlePath: String?
    /// Whether to follow redirects (at most 5, http/https only). Off by default: Bitrix24 answers 302 for a renamed
    /// portal, and following would turn a POST into a GET; read ``HTTPResponse/location`` instead.
    package var followRedirects: Bool
    /// Largest response body accepted; a bigger one fails the request with ``CurlError/Code/other``, so a broken
    /// server cannot exhaust memory.
    package var maxResponseBodyBytes: Int

    package init(
        connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(65),
        maxConnections: Int = 4,
        userAgent: String = "bitrix24-sync-fleet/1.0 (libcurl)",
        caBundlePath: String? = nil,
        followRedirects: Bool = false,
        maxResponseBodyBytes: Int = 64 << 20
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxConnections = max(1, maxConnections)
        self.userAgent = userAgent
        self.caBundlePath = caBundlePath
        self.followRedirects = followRedirects
        self.maxResponseBodyBytes = maxResponseBodyBytes
    }
}
