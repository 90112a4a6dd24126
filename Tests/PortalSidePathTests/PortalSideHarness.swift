import CurlHTTP
import EventGateway
import FleetRuntime
import Foundation
import Logging
import NIOCore
import StructuredLogging
import SyncCore
import TestSupport
import Testing

/// The portal's side of the fleet on a fleet of the test's own (``FleetServices``) with the in-process portal
/// simulator and the event gateway on a free port.
///
/// Every log line of the fleet's code goes to ``logs`` (JSON, as in production), so a test can search them.
struct PortalSideHarness: FleetFixture {
    static let polling = ConditionPolling(every: .milliseconds(50), timeout: .seconds(20))

    let fleet: FleetServices
    let logs: LogLineRecorder
    let portals: PortalSideSimulator
    let gatewayURL: String
    let metrics: GatewayMetrics
    /// Every `b24.changes` message the fleet published, read through ``outcomes(portal:)``.
    let outcomesQueue: OutcomesQueue

    /// Runs `body` with a harness on private services; `pollingSeconds` shortens the polling interval.
    static func run(pollingSeconds: Int = 900, _ body: @Sendable (PortalSideHarness) async throws -> Void)
        async throws
    {
        let logs = LogLineRecorder()
        let logger = Logger(label: "portal-side-tests") { label in
            JSONLogHandler(label: label, process: "portal-side-tests", level: .debug, sink: logs.sink)
        }
        try await FleetServices.run(
            logger: logger,
            maxConnections: 24,
            adjust: fastIntake(pollingSeconds: pollingSeconds)
        ) { fleet in
            let outcomesQueue = try await OutcomesQueue.declare(on: fleet.admin)
            let metrics = GatewayMetrics()
            try await PortalSideSimulator.run(logger: logger) { portals in
                let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
                let gateway = EventGatewayApplication.make(
                    contract: fleet.contract,
                    pool: fleet.pool,
                    publisher: fleet.publisher,
                    logger: logger,
                    metrics: metrics,
                    port: 0,
                    forwardInterval: .milliseconds(100),
                    onServerRunning: { channel in
                        portSink.yield(channel.localAddress?.port ?? 0)
                        portSink.finish()
                    }
                )
                try await withServiceGroup(running: [gateway], logger: logger) {
                    var port = 0
                    for await announced in ports { port = announced }
                    let harness = PortalSideHarness(
                        fleet: fleet,
                        logs: logs,
                        portals: portals,
                        gatewayURL: "http://127.0.0.1:\(port)",
                        metrics: metrics,
                        outcomesQueue: outcomesQueue
                    )
                    try await body(harness)
                }
            }
        }
    }

    /// The event intake's backoff shortened (counts unchanged) and the polling interval set, on top of the write
    /// operations' shortened backoff.
    static func fastIntake(pollingSeconds: Int) -> @Sendable (inout IntegrationContract) -> Void {
        { contract in
            contract.eventIntake.backoff.minSeconds = 0.01
            contract.eventIntake.backoff.maxSeconds = 0.04
            contract.polling.intervalSeconds = pollingSeconds
        }
    }

    // MARK: portals

    /// A simulated portal registered with the fleet (webhook credentials and its application token).
    func makePortal(registerToken: Bool = true) async throws -> PortalSideSimulator.Identity {
        let identity = portals.addPortal("t-\(UUID().uuidString.lowercased().prefix(12)).test")
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(
                domain: identity.domain,
                memberID: identity.memberID,
                webhookURL: identity.webhookURL,
                applicationToken: registerToken ? identity.applicationToken : nil,
                plan: .box
            )
        )
        return identity
    }

    /// Binds the portal's deal events to the gateway through `event.bind`, with an OAuth token as an app would.
    func bindDealEvents(_ identity: PortalSideSimulator.Identity) async throws {
        let tokens = portals.issueTokens(identity.domain)
        for (event, path) in [
            ("ONCRMDEALADD", "deal-add"), ("ONCRMDEALUPDATE", "deal-update"), ("ONCRMDEALDELETE", "deal-delete"),
        ] {
            let response = try await http.execute(
                .postJSON(
                    identity.clientEndpoint + "event.bind.json",
                    body: JSONValue.object([
                        "event": .string(event), "handler": .string("\(gatewayURL)/hooks/crm/\(path)"),
                        "auth": .string(tokens.access),
                    ]).compactBytes
                )
            )
            #expect(response.status == 200, "event.bind answered \(response.bodyString)")
        }
    }

    // MARK: gateway

    /// Posts a form body to the gateway; returns the HTTP status.
    func post(_ path: String, _ body: [UInt8]) async throws -> Int {
        try await http.execute(
            CurlHTTP.HTTPRequest(
                method: .post,
                url: gatewayURL + path,
                headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: body
            )
        ).status
    }
}
