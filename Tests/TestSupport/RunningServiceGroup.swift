package import Logging
package import ServiceLifecycle

/// Runs `services` in a ``ServiceGroup`` while `body` runs, then shuts them down gracefully and waits for them, also
/// when `body` throws (then the group's own error, if any, gives way to `body`'s).
///
/// Workers, the gateway and the simulator run in process this way, as the executables run them, so that a test sees
/// their real start-up and graceful shutdown.
package func withServiceGroup<Result: Sendable>(
    running services: [any Service],
    logger: Logger,
    _ body: () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result
        do {
            result = try await body()
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
