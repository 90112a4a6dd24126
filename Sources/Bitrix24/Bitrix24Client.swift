package import CurlHTTP
import Foundation
package import SyncCore

/// Calls one portal's REST API: JSON POSTs to `<endpoint>/<method>.json`, answers decoded into
/// ``Bitrix24Response`` or a classified ``Bitrix24Error``.
///
/// Redirects are not followed: a renamed portal's 302 surfaces as ``Bitrix24Error/Code/portalMoved`` with the new
/// address, because a POST that follows a 302 silently turns into a GET and loses its body.
package struct Bitrix24Client: Sendable {
    /// The most commands one `batch` may carry.
    package static let maximumBatchSize = 50

    package let credentials: Bitrix24Credentials
    private let http: CurlHTTPClient
    private let userAgent = "bitrix24-sync-fleet/1.0"

    package init(credentials: Bitrix24Credentials, http: CurlHTTPClient) {
        self.credentials = credentials
        self.http = http
    }

    /// Calls `method` with `params` (sent as a JSON body).
    package func call(_ method: String, _ params: JSONObject = JSONObject()) async throws(Bitrix24Error)
        -> Bitrix24Response
    {
        var body = params
        if let auth = credentials.authParameter { body["auth"] = .string(auth) }
        let request = HTTPRequest.postJSON(
            credentials.methodURL(method),
            body: JSONValue.object(body).compactBytes,
            headers: ["Accept": "application/json", "User-Agent": userAgent]
        )
        let response: HTTPResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw Self.transportError(error)
        }
        return try Self.decode(response)
    }

    /// Sends up to 50 commands as one request (one request against the portal's rate limit; each command is
    /// still accounted against its own method's operating time). With `halt`, the portal stops at the first error.
    package func batch(_ commands: [Bitrix24BatchCommand], halt: Bool = false) async throws(Bitrix24Error)
        -> Bitrix24BatchResponse
    {
        precondition(commands.count <= Self.maximumBatchSize, "a batch carries at most 50 commands")
        var cmd = JSONObject()
        for command in commands { cmd[command.name] = .string(command.encoded) }
        let outer = try await call("batch", ["halt": .int(halt ? 1 : 0), "cmd": .object(cmd)])
        return Self.decodeBatch(outer)
    }

    // MARK: decoding

    static func decode(_ response: HTTPResponse) throws(Bitrix24Error) -> Bitrix24Response {
        if (300..<400).contains(response.status) {
            throw Bitrix24Error(
                code: .portalMoved,
                message: "the portal answered \(response.status): it was renamed; update its registration",
                httpStatus: response.status,
                location: response.location
            )
        }
        let envelope: JSONValue
        do {
            envelope = try JSONValue(parsing: response.body)
        } catch {
            throw Bitrix24Error(
                code: response.status == 503 ? .queryLimitExceeded : .malformedResponse,
                message: "the answer (HTTP \(response.status)) is not a JSON envelope: \(error)",
                httpStatus: response.status
            )
        }
        if let error = envelope["error"] {
            throw Bitrix24Error(
                portalCode: Self.codeText(error),
                description: envelope["error_description"]?.stringValue ?? "",
                httpStatus: response.status,
                operatingResetAt: Bitrix24Timing(envelope["time"]).operatingResetAt
            )
        }
        guard let result = envelope["result"] else {
            throw Bitrix24Error(
                code: .malformedResponse,
                message: "the envelope (HTTP \(response.status)) has neither result nor error",
                httpStatus: response.status
            )
        }
        return Bitrix24Response(
            result: result,
            total: envelope["total"]?.integerValue.map { Int($0) },
            next: envelope["next"]?.integerValue.map { Int($0) },
            time: Bitrix24Timing(envelope["time"])
        )
    }

    static func decodeBatch(_ outer: Bitrix24Response) -> Bitrix24BatchResponse {
        // Empty sections come as [] rather than {}: objectValue is nil then, which reads as "none".
        let results = outer.result["result"]?.objectValue ?? JSONObject()
        let errors = outer.result["result_error"]?.objectValue ?? JSONObject()
        let totals = outer.result["result_total"]?.objectValue ?? JSONObject()
        let nexts = outer.result["result_next"]?.objectValue ?? JSONObject()
        let times = outer.result["result_time"]?.objectValue ?? JSONObject()
        var outcomes: [String: Result<Bitrix24Response, Bitrix24Error>] = [:]
        for (name, result) in results {
            outcomes[name] = .success(
                Bitrix24Response(
                    result: result,
                    total: totals[name]?.integerValue.map { Int($0) },
                    next: nexts[name]?.integerValue.map { Int($0) },
                    time: Bitrix24Timing(times[name])
                )
            )
        }
        for (name, error) in errors {
            let timing = Bitrix24Timing(times[name])
            outcomes[name] = .failure(
                Bitrix24Error(
                    portalCode: codeText(error["error"] ?? .string("")),
                    description: error["error_description"]?.stringValue ?? "",
                    httpStatus: nil,
                    operatingResetAt: timing.operatingResetAt
                )
            )
        }
        return Bitrix24BatchResponse(results: outcomes, time: outer.time)
    }

    /// `error` may be a string, an empty string (legacy CRM) or a number (D7 controllers).
    private static func codeText(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        default: value.compactString
        }
    }

    private static func transportError(_ error: CurlError) -> Bitrix24Error {
        Bitrix24Error(
            code: error.code == .timeout ? .timeout : .network,
            message: error.description
        )
    }
}
