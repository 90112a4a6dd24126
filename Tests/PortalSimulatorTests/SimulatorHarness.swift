import Hummingbird
import HummingbirdTesting
import PortalSimulator
import Synchronization
import Testing

/// An event delivery that records every POST (and can be told to fail), standing in for handler servers.
final class RecordingDelivery: EventDelivering {
    struct Delivery: Sendable {
        let url: String
        let form: JSONValue
    }

    private let state = Mutex<(deliveries: [Delivery], failing: Bool)>(([], false))

    /// When true every delivery throws, like a handler that answers 500 or times out.
    func setFailing(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    func deliver(url: String, formBody: [UInt8]) async throws {
        let failing = state.withLock { state in
            state.deliveries.append(Delivery(url: url, form: FormParameters.decode(String(decoding: formBody, as: UTF8.self))))
            return state.failing
        }
        if failing { throw DeliveryFailure() }
    }

    /// Waits (polling, bounded) until `count` deliveries arrived.
    func waitFor(count: Int, timeout: Duration = .seconds(5)) async throws -> [Delivery] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while deliveries.count < count, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return deliveries
    }

    struct DeliveryFailure: Error {}
}

/// A simulator with one standard portal, a manual clock and a recording event transport.
struct SimulatorHarness {
    static let domain = "acme.bitrix24.ru"

    let simulator: PortalSimulator
    let clock: ManualPortalClock
    let delivery: RecordingDelivery

    init(portals: [PortalConfiguration] = [PortalConfiguration(domain: SimulatorHarness.domain)]) {
        clock = ManualPortalClock()
        delivery = RecordingDelivery()
        simulator = PortalSimulator(
            configuration: SimulatorConfiguration(
                portals: portals,
                publicBaseURL: "http://127.0.0.1:8090",
                clock: clock,
                delivery: delivery
            )
        )
    }

    var portal: Portal { simulator.portal(Self.domain)! }

    /// `/portal/<domain>/rest/1/<code>/` for the default portal.
    var webhookPath: String {
        portal.update { "/portal/\($0.configuration.domain)/rest/\($0.configuration.webhookUserId)/\($0.configuration.webhookCode)/" }
    }

    /// Runs `body` against the application through Hummingbird's in-process router test client.
    func run(_ body: @Sendable (SimulatorClient) async throws -> Void) async throws {
        let application = simulator.makeApplication()
        try await application.test(.router) { client in
            try await body(SimulatorClient(client: client, webhookPath: webhookPath))
        }
    }
}

/// Thin helpers to call the simulator the way the fleet does and decode the JSON answer.
struct SimulatorClient: Sendable {
    let client: any TestClientProtocol
    let webhookPath: String

    /// Admin API verbs.
    enum AdminVerb {
        case get
        case post
    }

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
        return try await client.execute(uri: "/_sim/" + path, method: method, body: ByteBuffer(string: body.serialized)) { response in
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

extension JSONValue {
    /// Follows a path of keys / array indexes: `json.at("result", "items", 0, "id")`.
    func at(_ path: any JSONPathComponent...) -> JSONValue? {
        var current: JSONValue? = self
        for component in path {
            if let key = component as? String {
                current = current?[key]
            } else if let index = component as? Int {
                let elements = current?.elements ?? []
                current = index < elements.count ? elements[index] : nil
            }
        }
        return current
    }

    /// Object keys in order.
    var keys: [String] { members.map(\.key) }
}

protocol JSONPathComponent {}
extension String: JSONPathComponent {}
extension Int: JSONPathComponent {}

/// Awaits a call and expects its HTTP status.
func expectStatus(
    _ expected: Int,
    _ answer: SimulatorClient.Answer,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(answer.status == expected, sourceLocation: sourceLocation)
}
