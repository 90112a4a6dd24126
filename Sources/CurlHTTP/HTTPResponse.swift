/// A complete HTTP response: every status is returned as a value, because the Bitrix24 layer reads error bodies.
package struct HTTPResponse: Sendable {
    package var status: Int
    /// The headers of the final response (interim `100 Continue` blocks are dropped).
    package var headers: HTTPHeaders
    package var body: [UInt8]
    /// How long the whole exchange took, as libcurl measured it (name lookup to last byte).
    package var totalTime: Duration

    package init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [], totalTime: Duration = .zero) {
        self.status = status
        self.headers = headers
        self.body = body
        self.totalTime = totalTime
    }

    /// The body decoded as UTF-8, with invalid bytes replaced.
    package var bodyString: String {
        String(decoding: body, as: UTF8.self)
    }

    /// Whether the status is 2xx.
    package var isSuccess: Bool {
        (200..<300).contains(status)
    }

    /// The `Location` header, which redirects carry; redirects are not followed, so a renamed portal's 302 shows here.
    package var location: String? {
        headers["Location"]
    }

    /// Returns the response when its status is 2xx, and throws ``CurlError/Code/httpStatus(_:)`` otherwise.
    @discardableResult
    package func expectSuccess() throws(CurlError) -> HTTPResponse {
        guard isSuccess else {
            throw CurlError(
                code: .httpStatus(status),
                message: "The server answered HTTP \(status) instead of 2xx. Read the response body (or, for a "
                    + "redirect, the Location header) for the server's explanation."
            )
        }
        return self
    }
}
