import Hummingbird
package import Logging
import NIOCore
package import PortalSimulator
import Testing

/// Starts an empty portal simulator on a free loopback port, runs `body` with it and its base URL
/// (`http://127.0.0.1:<port>`), then shuts the server down, also when `body` throws. The suites' simulator wrappers
/// are built on it.
package func withRunningSimulator<Result: Sendable>(
    logger: Logger,
    _ body: @Sendable (PortalSimulator, String) async throws -> Result
) async throws -> Result {
    let simulator = PortalSimulator(
        configuration: SimulatorConfiguration(
            portals: [],
            publicBaseURL: "http://127.0.0.1",
            faults: [],
            logger: logger
        )
    )
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let application = simulator.makeApplication(
        configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portSink.yield(channel.localAddress?.port ?? 0)
            portSink.finish()
        }
    )
    return try await withServiceGroup(running: [application], logger: logger) {
        var port = 0
        for await announced in ports { port = announced }
        #expect(port > 0, "the simulator did not report its port")
        return try await body(simulator, "http://127.0.0.1:\(port)")
    }
}
