import Hummingbird
package import Logging
import NIOCore
package import PortalSimulator
import ServiceLifecycle
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
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var port = 0
        for await announced in ports { port = announced }
        let result: Result
        do {
            #expect(port > 0, "the simulator did not report its port")
            result = try await body(simulator, "http://127.0.0.1:\(port)")
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}
