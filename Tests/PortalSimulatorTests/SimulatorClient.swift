import Hummingbird
import HummingbirdTesting
import PortalSimulator

/// Thin helpers to call the simulator the way the fleet does and decode the JSON answer.
struct SimulatorClient: Sendable {
    let client: any TestClientProtocol
    let webhookPath: String
    /// An OAuth access token of the portal, for application calls.
    var accessToken: String?

    /// Admin API verbs.
    enum AdminVerb {
        case get
        case post
    }

    /// The TCP port of a live test server.
    var port: Int? { client.port }

    struct Answer {
        let status: Int
        let json: JSONValue
        let headers: HTTPFields

        /// The `Location` header of a redirect.
        var location: String? { headers[.location] }
    }

    /// POSTs a JSON body to `<webhook>/<method>.json`.
    func call(_ method: String, _ parameters: JSONValue = [:]) async throws -> Answer {
        try await raw(webhookPath + method + ".json", body: parameters.serialized, contentType: "application/json")
    }

    /// POSTs a JSON body with `auth` to `/portal/<domain>/rest/<method>.json`, as an installed application does.
    func appCall(_ method: String, _ parameters: JSONValue = [:]) async throws -> Answer {
        guard let accessToken else { preconditionFailure("the client was built without an access token") }
        let root = String(webhookPath.prefix(upTo: webhookPath.firstRange(of: "/rest/")!.upperBound))
        return try await raw(
            root + method + ".json",
            body: parameters.setting("auth", to: .string(accessToken)).serialized,
            contentType: "application/json"
        )
    }

    /// POSTs a form body (`fields[title]=x&select[]=id`).
    func form(_ method: String, _ body: String) async throws -> Answer {
        try await raw(webhookPath + method, body: body, contentType: "application/x-www-form-urlencoded")
    }

    /// GETs `<path>` (query string included).
    func get(_ path: String) async throws -> Answer {
        try await client.execute(uri: path, method: .get) { response in
            Answer(status: Int(response.status.code), json: Self.decode(response.body), headers: response.headers)
        }
    }

    /// Admin API call.
    func admin(_ verb: AdminVerb, _ path: String, _ body: JSONValue = [:]) async throws -> Answer {
        let method: HTTPRequest.Method = verb == .get ? .get : .post
        return try await client.execute(uri: "/_sim/" + path, method: method, body: ByteBuffer(string: body.serialized))
        { response in
            Answer(status: Int(response.status.code), json: Self.decode(response.body), headers: response.headers)
        }
    }

    func raw(_ path: String, body: String, contentType: String) async throws -> Answer {
        try await client.execute(
            uri: path,
            method: .post,
            headers: [.contentType: contentType],
            body: ByteBuffer(string: body)
        ) { response in
            Answer(status: Int(response.status.code), json: Self.decode(response.body), headers: response.headers)
        }
    }

    static func decode(_ buffer: ByteBuffer) -> JSONValue {
        let bytes = Array(buffer: buffer)
        if bytes.isEmpty { return .null }
        return (try? JSONParser.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
    }
}
