import Hummingbird
import HummingbirdTesting
import PortalSimulator
import Synchronization
import Testing

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
        portal.update {
            "/portal/\($0.configuration.domain)/rest/\($0.configuration.webhookUserId)/\($0.configuration.webhookCode)/"
        }
    }

    /// A fresh access token of the default portal (valid for the manual clock's next hour).
    var accessToken: String {
        let now = clock.now()
        return portal.update { $0.issueTokens(now: now).access }
    }

    /// Runs `body` against the application over a real TCP socket on an ephemeral port.
    func runLive(_ body: @Sendable (SimulatorClient) async throws -> Void) async throws {
        let application = simulator.makeApplication(configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in
            try await body(SimulatorClient(client: client, webhookPath: webhookPath, accessToken: accessToken))
        }
    }

    /// Runs `body` against the application through Hummingbird's in-process router test client.
    func run(_ body: @Sendable (SimulatorClient) async throws -> Void) async throws {
        let application = simulator.makeApplication()
        try await application.test(.router) { client in
            try await body(SimulatorClient(client: client, webhookPath: webhookPath, accessToken: accessToken))
        }
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
