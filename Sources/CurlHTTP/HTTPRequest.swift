/// One HTTP request as plain values, so it can be built anywhere and retried as is.
package struct HTTPRequest: Sendable {
    package var method: HTTPMethod
    /// An absolute http or https URL. It may carry a webhook secret, so it is never logged or put into errors.
    package var url: String
    package var headers: HTTPHeaders
    /// The request body; nil sends none. libcurl copies it before the transfer, so it needs no special lifetime.
    package var body: [UInt8]?

    package init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A GET request.
    package static func get(_ url: String, headers: HTTPHeaders = [:]) -> HTTPRequest {
        HTTPRequest(method: .get, url: url, headers: headers)
    }

    /// A POST of `application/x-www-form-urlencoded` fields, encoded by ``FormEncoding/encode(_:)``.
    ///
    /// Keys are encoded like values, so bracket keys such as `fields[TITLE]` travel as `fields%5BTITLE%5D`.
    package static func postForm(_ url: String, fields: [(String, String)], headers: HTTPHeaders = [:]) -> HTTPRequest {
        var allHeaders = headers
        if !allHeaders.contains("Content-Type") {
            allHeaders.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        }
        return HTTPRequest(method: .post, url: url, headers: allHeaders, body: Array(FormEncoding.encode(fields).utf8))
    }

    /// A POST of a JSON document that the caller has already serialised (for example `Data` or `[UInt8]`).
    package static func postJSON(_ url: String, body: some Collection<UInt8>, headers: HTTPHeaders = [:]) -> HTTPRequest
    {
        var allHeaders = headers
        if !allHeaders.contains("Content-Type") {
            allHeaders.add(name: "Content-Type", value: "application/json")
        }
        return HTTPRequest(method: .post, url: url, headers: allHeaders, body: Array(body))
    }
}

extension HTTPRequest {
    /// The host (and port) part of the URL, the only part of it that may appear in logs and error messages:
    /// Bitrix24 webhook URLs carry their secret in the path.
    var hostForMessages: String {
        var rest = Substring(url)
        if let schemeEnd = rest.firstRange(of: "://") { rest = rest[schemeEnd.upperBound...] }
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        return rest.isEmpty ? "(no host)" : String(rest)
    }

    /// Rejects what libcurl would send blindly: a malformed method, or header names and values that could split
    /// the request (line breaks, NUL) and so inject headers.
    func validate() throws(CurlError) {
        guard method.isValidToken else {
            throw CurlError(
                code: .invalidRequest,
                message: "The HTTP method is not a valid token. Use a method such as GET or POST."
            )
        }
        for field in headers {
            let nameIsValid =
                !field.name.isEmpty
                && field.name.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }
            let valueIsValid = field.value.utf8.allSatisfy { $0 != 0 && $0 != 10 && $0 != 13 }
            guard nameIsValid, valueIsValid else {
                throw CurlError(
                    code: .invalidRequest,
                    message: "Header \"\(field.name)\" has an invalid name or a value containing a line break or NUL. "
                        + "Remove control characters from the header before sending."
                )
            }
        }
        guard url.lowercased().hasPrefix("http://") || url.lowercased().hasPrefix("https://") else {
            throw CurlError(
                code: .invalidURL,
                message: "The URL must start with http:// or https://. Fix the URL (only http and https are allowed)."
            )
        }
    }
}
