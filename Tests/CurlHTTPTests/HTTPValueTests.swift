import CurlHTTP
import Testing

@Suite("HTTP values and errors")
struct HTTPValueTests {
    @Test("header lookup ignores case and keeps repeated fields")
    func headerLookup() {
        let headers = HTTPHeaders([("Content-Type", "text/plain"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["CONTENT-TYPE"] == "text/plain")
        #expect(headers.values(for: "SET-COOKIE") == ["a=1", "b=2"])
        #expect(headers["missing"] == nil)
    }

    @Test("request helpers set method, content type and body")
    func requestHelpers() {
        let form = HTTPRequest.postForm("http://h/x", fields: [("fields[TITLE]", "a b")])
        #expect(form.method == .post)
        #expect(form.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(form.body == Array("fields%5BTITLE%5D=a+b".utf8))

        let json = HTTPRequest.postJSON("http://h/x", body: Array(#"{"a":1}"#.utf8))
        #expect(json.headers["Content-Type"] == "application/json")
        #expect(json.body == Array(#"{"a":1}"#.utf8))

        let custom = HTTPRequest.postJSON("http://h/x", body: [UInt8](), headers: ["Content-Type": "application/x"])
        #expect(custom.headers.values(for: "content-type") == ["application/x"])

        let get = HTTPRequest.get("http://h/x")
        #expect(get.method == .get && get.body == nil)
    }

    @Test("expectSuccess passes 2xx and throws httpStatus otherwise")
    func expectSuccess() throws {
        let ok = HTTPResponse(status: 204)
        #expect(try ok.expectSuccess().status == 204)
        let failure = #expect(throws: CurlError.self) { try HTTPResponse(status: 503, body: [1]).expectSuccess() }
        #expect(failure?.code == .httpStatus(503))
        #expect(failure?.code.httpStatus == 503)
        #expect(failure?.code != .httpStatus(500))
        #expect(failure?.isRetryable == false)
        let redirect = HTTPResponse(status: 302, headers: ["Location": "https://new.example/rest/"])
        #expect(redirect.location == "https://new.example/rest/")
        #expect(throws: CurlError.self) { try redirect.expectSuccess() }
    }

    @Test("network failures are retryable, caller and TLS failures are not")
    func retryClassification() {
        func error(_ code: CurlError.Code) -> CurlError { CurlError(code: code, message: "m") }
        for code in [CurlError.Code.timeout, .connectionFailed, .connectionReset, .emptyReply] {
            #expect(error(code).isRetryable, "\(code)")
        }
        for code in [CurlError.Code.tls, .cancelled, .invalidURL, .invalidRequest, .shutdown, .other, .httpStatus(503)]
        {
            #expect(!error(code).isRetryable, "\(code)")
        }
        #expect(CurlError(code: .timeout, message: "m", curlCode: 28, detail: "d").description.contains("curl 28: d"))
    }
}
