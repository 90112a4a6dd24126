import CurlHTTP
import NIOPosix
import Testing

/// Proves TLS verification is on against a real TLS server (`openssl s_server`) with a self-signed certificate.
@Suite("TLS verification", .serialized)
struct TLSVerificationTests {
    private func makeClient(caBundlePath: String? = nil) -> CurlHTTPClient {
        CurlHTTPClient(
            configuration: CurlHTTPConfiguration(totalTimeout: .seconds(10), caBundlePath: caBundlePath),
            threadPool: CurlHTTPClientTests.threadPool
        )
    }

    @Test("an untrusted certificate is rejected; trusting it explicitly works; a wrong host name is rejected")
    func verification() async throws {
        let server = try SelfSignedTLSServer()
        defer { server.stop() }

        let untrusting = makeClient()
        defer { untrusting.shutdown() }
        do {
            let response = try await untrusting.execute(.get("https://127.0.0.1:\(server.port)/"))
            Issue.record("a self-signed certificate was accepted (HTTP \(response.status))")
        } catch {
            #expect(error.code == .tls)
            #expect(!error.isRetryable)
        }

        let trusting = makeClient(caBundlePath: server.certificatePath)
        defer { trusting.shutdown() }
        let response = try await trusting.execute(.get("https://127.0.0.1:\(server.port)/"))
        #expect(response.status == 200)

        do {
            let response = try await trusting.execute(.get("https://localhost:\(server.port)/"))
            Issue.record("a certificate for 127.0.0.1 was accepted for localhost (HTTP \(response.status))")
        } catch {
            #expect(error.code == .tls)
        }
    }
}
