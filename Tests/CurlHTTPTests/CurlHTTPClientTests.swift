import CurlHTTP
import NIOPosix
import Testing

/// Drives the real libcurl client against ``TestHTTPServer`` on loopback; needs no external service.
@Suite("CurlHTTPClient against a local server")
struct CurlHTTPClientTests {
    /// A pool of its own, so timing bounds do not depend on other suites occupying the shared singleton pool.
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    private func makeClient(_ configuration: CurlHTTPConfiguration = CurlHTTPConfiguration()) -> CurlHTTPClient {
        CurlHTTPClient(configuration: configuration, threadPool: Self.threadPool)
    }

    private static func echo(_ request: TestHTTPServer.RecordedRequest) -> TestHTTPServer.CannedResponse {
        TestHTTPServer.CannedResponse(
            status: 200,
            headers: [("X-Echo-Method", request.method), ("Content-Type", "text/plain")],
            body: "hello \(request.target)"
        )
    }

    private func expectCurlError(
        _ body: () async throws(CurlError) -> HTTPResponse
    ) async -> CurlError? {
        do {
            let response = try await body()
            Issue.record("expected a CurlError, got HTTP \(response.status)")
            return nil
        } catch {
            return error
        }
    }

    /// Starts a request in a task whose value is the outcome, so tests can cancel it and inspect the typed error.
    private func startRequest(
        on client: CurlHTTPClient,
        _ request: HTTPRequest
    ) -> Task<Result<HTTPResponse, CurlError>, Never> {
        Task {
            do throws(CurlError) {
                return .success(try await client.execute(request))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test("GET returns status, headers and body and sends the method, path and custom headers")
    func get() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.execute(
            .get("\(server.baseURL)/rest/1/secret/crm.item.get?id=5", headers: ["X-Trace": "t-1"])
        )

        #expect(response.status == 200)
        #expect(response.bodyString == "hello /rest/1/secret/crm.item.get?id=5")
        #expect(response.headers["x-echo-method"] == "GET")
        #expect(response.headers["CONTENT-TYPE"] == "text/plain")
        #expect(response.totalTime > .zero)
        let received = try #require(server.requests.first)
        #expect(received.method == "GET")
        #expect(received.header("x-trace") == "t-1")
        #expect(received.header("user-agent") == CurlHTTPConfiguration().userAgent)
        #expect(received.body.isEmpty)
    }

    @Test("POST form arrives with the form content type and the percent-encoded body")
    func postForm() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let fields = [("fields[TITLE]", "Deal & Co = 100%"), ("select[]", "id")]

        let response = try await client.execute(.postForm("\(server.baseURL)/crm.item.add", fields: fields))

        #expect(response.headers["X-Echo-Method"] == "POST")
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(received.bodyString == "fields%5BTITLE%5D=Deal+%26+Co+%3D+100%25&select%5B%5D=id")
        #expect(received.header("Expect") == nil)
    }

    @Test("POST JSON arrives byte for byte with the JSON content type, even above 1 KiB")
    func postJSON() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }
        let document = #"{"fields":{"title":"\#(String(repeating: "é", count: 800))"},"nul":"\u0000"}"#
        var bytes = Array(document.utf8)
        bytes.append(0)

        let response = try await client.execute(.postJSON("\(server.baseURL)/crm.item.add", body: bytes))

        #expect(response.status == 200)
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.header("content-type") == "application/json")
        #expect(received.body == bytes)
    }

    @Test("a handle switches cleanly between POST, GET, PUT, DELETE and HEAD")
    func methodSwitching() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(maxConnections: 1))
        defer { client.shutdown() }

        _ = try await client.execute(.postJSON("\(server.baseURL)/a", body: Array("{}".utf8)))
        _ = try await client.execute(.get("\(server.baseURL)/b"))
        _ = try await client.execute(HTTPRequest(method: .put, url: "\(server.baseURL)/c", body: Array("x".utf8)))
        _ = try await client.execute(HTTPRequest(method: .delete, url: "\(server.baseURL)/d"))
        let head = try await client.execute(HTTPRequest(method: .head, url: "\(server.baseURL)/e"))

        #expect(head.body.isEmpty)
        let received = server.requests
        #expect(received.map(\.method) == ["POST", "GET", "PUT", "DELETE", "HEAD"])
        #expect(received.map(\.bodyString) == ["{}", "", "x", "", ""])
        #expect(server.acceptCount == 1)
    }

    @Test("20 sequential requests reuse one keep-alive TCP connection")
    func keepAlive() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        for index in 0..<20 {
            let request: HTTPRequest =
                index.isMultiple(of: 2)
                ? .get("\(server.baseURL)/n/\(index)")
                : .postForm("\(server.baseURL)/n/\(index)", fields: [("i", "\(index)")])
            let response = try await client.execute(request)
            #expect(response.bodyString == "hello /n/\(index)")
        }

        #expect(server.requests.count == 20)
        #expect(server.acceptCount == 1)
    }

    @Test("concurrent requests never use more connections than maxConnections")
    func poolBound() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(maxConnections: 2))
        defer { client.shutdown() }

        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<12 {
                group.addTask { try await client.execute(.get("\(server.baseURL)/p/\(index)")).status }
            }
            for try await status in group { #expect(status == 200) }
        }

        #expect(server.requests.count == 12)
        #expect(server.acceptCount <= 2, "requests per connection: \(server.requestsPerConnection)")
    }

    @Test("a server that never answers fails with .timeout within a bounded time")
    func timeout() async throws {
        let server = try TestHTTPServer(.neverAnswer)
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(totalTimeout: .milliseconds(400)))
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get("\(server.baseURL)/slow"))
        }
        let elapsed = ContinuousClock.now - start

        #expect(error?.code == .timeout)
        #expect(error?.isRetryable == true)
        #expect(error?.curlCode == 28)
        #expect(elapsed >= .milliseconds(350))
        #expect(elapsed < .milliseconds(1200))
    }

    @Test("the per-request timeout overrides the client's")
    func perRequestTimeout() async throws {
        let server = try TestHTTPServer(.neverAnswer)
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(totalTimeout: .seconds(60)))
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get("\(server.baseURL)/slow"), timeout: .milliseconds(300))
        }

        #expect(error?.code == .timeout)
        #expect(ContinuousClock.now - start < .milliseconds(900))
    }

    @Test("connecting to a closed port fails with .connectionFailed")
    func connectionRefused() async throws {
        let port = try TestHTTPServer.closedPort()
        let client = makeClient()
        defer { client.shutdown() }

        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get("http://127.0.0.1:\(port)/"))
        }

        #expect(error?.code == .connectionFailed)
        #expect(error?.isRetryable == true)
        #expect(error?.detail?.isEmpty == false)
    }

    @Test("a server that closes without answering gives the empty-reply or reset code")
    func closedWithoutAnswer() async throws {
        let server = try TestHTTPServer(.closeAfterRequest)
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.postForm("\(server.baseURL)/x", fields: [("a", "1")]))
        }

        #expect(error?.code == .emptyReply || error?.code == .connectionReset)
        #expect(error?.isRetryable == true)
        #expect(server.requests.count == 1)
    }

    @Test("a 503 body comes back intact and expectSuccess throws .httpStatus(503)")
    func serviceUnavailable() async throws {
        let body = #"{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}"#
        let server = try TestHTTPServer(
            .respond { _ in
                TestHTTPServer.CannedResponse(status: 503, reason: "Service Unavailable", body: body)
            }
        )
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.execute(.get("\(server.baseURL)/crm.item.list"))

        #expect(response.status == 503)
        #expect(response.bodyString == body)
        let error = #expect(throws: CurlError.self) { try response.expectSuccess() }
        #expect(error?.code == .httpStatus(503))
    }

    @Test("a 302 is returned, not followed, with its Location header")
    func redirectNotFollowed() async throws {
        let server = try TestHTTPServer(
            .respond { _ in
                TestHTTPServer.CannedResponse(
                    status: 302,
                    reason: "Found",
                    headers: [("Location", "https://renamed.example/rest/1/x/crm.item.add")]
                )
            }
        )
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let response = try await client.execute(.postForm("\(server.baseURL)/rest/crm.item.add", fields: [("a", "1")]))

        #expect(response.status == 302)
        #expect(response.location == "https://renamed.example/rest/1/x/crm.item.add")
        #expect(server.requests.count == 1)
    }

    @Test("redirects are followed only when configured, and then the final response's headers are returned")
    func redirectFollowedWhenConfigured() async throws {
        let server = try TestHTTPServer(
            .respond { request in
                request.target == "/old"
                    ? TestHTTPServer.CannedResponse(status: 302, reason: "Found", headers: [("Location", "/new")])
                    : TestHTTPServer.CannedResponse(status: 200, headers: [("X-Final", "yes")], body: "moved")
            }
        )
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(followRedirects: true))
        defer { client.shutdown() }

        let response = try await client.execute(.get("\(server.baseURL)/old"))

        #expect(response.status == 200)
        #expect(response.bodyString == "moved")
        #expect(response.headers["x-final"] == "yes")
        #expect(response.location == nil)
        #expect(server.requests.map(\.target) == ["/old", "/new"])
    }

    @Test("a body above maxResponseBodyBytes fails instead of growing without bound")
    func responseBodyLimit() async throws {
        let server = try TestHTTPServer(
            .respond { _ in TestHTTPServer.CannedResponse(status: 200, body: String(repeating: "x", count: 5000)) }
        )
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(maxResponseBodyBytes: 1000))
        defer { client.shutdown() }

        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get(server.baseURL))
        }

        #expect(error?.code == .other)
        #expect(error?.message.contains("1000 bytes") == true)
        let small = makeClient(CurlHTTPConfiguration(maxResponseBodyBytes: 5000))
        defer { small.shutdown() }
        #expect(try await small.execute(.get(server.baseURL)).body.count == 5000)
    }

    @Test("cancelling the task aborts a slow transfer promptly with .cancelled")
    func cancellationAbortsTransfer() async throws {
        let server = try TestHTTPServer(.dribble(bodyBytes: 1000, interval: .milliseconds(50)))
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(totalTimeout: .seconds(60)))
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let task = startRequest(on: client, .get("\(server.baseURL)/slow"))
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.value

        if case .failure(let error) = result {
            #expect(error.code == .cancelled)
            #expect(!error.isRetryable)
        } else {
            Issue.record("expected cancellation, got a response")
        }
        #expect(ContinuousClock.now - start < .seconds(3))
    }

    @Test("cancelling a silent transfer (no bytes at all) still aborts it")
    func cancellationAbortsSilentTransfer() async throws {
        let server = try TestHTTPServer(.neverAnswer)
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(totalTimeout: .seconds(60)))
        defer { client.shutdown() }

        let start = ContinuousClock.now
        let task = startRequest(on: client, .get("\(server.baseURL)/silent"))
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.value

        if case .failure(let error) = result {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected cancellation, got a response")
        }
        #expect(ContinuousClock.now - start < .seconds(4))
    }

    @Test("a request waiting for a free handle can be cancelled, and the pool keeps working")
    func cancellationWhileWaitingForHandle() async throws {
        let slow = try TestHTTPServer(.neverAnswer)
        defer { slow.stop() }
        let fast = try TestHTTPServer(.respond(Self.echo))
        defer { fast.stop() }
        let client = makeClient(CurlHTTPConfiguration(totalTimeout: .milliseconds(1500), maxConnections: 1))
        defer { client.shutdown() }

        let blocker = startRequest(on: client, .get("\(slow.baseURL)/hold"))
        try await Task.sleep(for: .milliseconds(200))
        let waiter = startRequest(on: client, .get("\(fast.baseURL)/never-sent"))
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        let waited = await waiter.value
        if case .failure(let error) = waited {
            #expect(error.code == .cancelled)
        } else {
            Issue.record("expected the waiting request to be cancelled")
        }
        #expect(fast.requests.isEmpty)

        if case .failure(let error) = await blocker.value {
            #expect(error.code == .timeout)
        } else {
            Issue.record("expected the blocking request to time out")
        }
        let after = try await client.execute(.get("\(fast.baseURL)/after"))
        #expect(after.status == 200)
    }

    @Test("https to a plain-HTTP port fails with a TLS error instead of falling back to plaintext")
    func httpsToPlainPort() async throws {
        let server = try TestHTTPServer(.answerWithoutReading(.init(status: 200, body: "plaintext")))
        defer { server.stop() }
        let client = makeClient(CurlHTTPConfiguration(totalTimeout: .seconds(5)))
        defer { client.shutdown() }

        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get("https://127.0.0.1:\(server.port)/"))
        }

        #expect(error?.code == .tls || error?.code == .connectionFailed)
        #expect(server.requests.isEmpty)
    }

    @Test("non-http schemes and header injection are rejected before anything is sent")
    func invalidRequests() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient()
        defer { client.shutdown() }

        let ftp = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get("ftp://127.0.0.1:\(server.port)/"))
        }
        #expect(ftp?.code == .invalidURL)
        let file = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get("file:///etc/passwd"))
        }
        #expect(file?.code == .invalidURL)
        let injected = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get(server.baseURL, headers: ["X-A": "1\r\nX-Injected: yes"]))
        }
        #expect(injected?.code == .invalidRequest)
        let badMethod = await expectCurlError { () async throws(CurlError) in
            try await client.execute(HTTPRequest(method: HTTPMethod("GET /x"), url: server.baseURL))
        }
        #expect(badMethod?.code == .invalidRequest)
        #expect(server.acceptCount == 0)
    }

    @Test("after shutdown, requests fail with .shutdown")
    func shutdown() async throws {
        let server = try TestHTTPServer(.respond(Self.echo))
        defer { server.stop() }
        let client = makeClient()
        _ = try await client.execute(.get(server.baseURL))
        client.shutdown()

        let error = await expectCurlError { () async throws(CurlError) in
            try await client.execute(.get(server.baseURL))
        }

        #expect(error?.code == .shutdown)
        #expect(server.requests.count == 1)
    }
}
