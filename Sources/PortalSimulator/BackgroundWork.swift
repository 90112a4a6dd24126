import ServiceLifecycle

/// The service that owns the simulator's background tasks.
struct BackgroundWork: Service {
    let simulator: PortalSimulator

    func run() async throws {
        await simulator.runJobs()
    }
}
