import Logging
import PortalSimulator
import TestSupport

/// The portal simulator running in process on a free loopback port, seen through plain values only.
///
/// The only file of the suite that imports `PortalSimulator` (its `JSONValue` would clash with `SyncCore`'s).
final class SimulatedPortal: Sendable {
    private let simulator: PortalSimulator
    private let baseURL: String

    private init(simulator: PortalSimulator, baseURL: String) {
        self.simulator = simulator
        self.baseURL = baseURL
    }

    /// Starts a simulator with no portal, runs `body` with it, then shuts the server down.
    static func run<Result: Sendable>(
        logger: Logger,
        _ body: @Sendable (SimulatedPortal) async throws -> Result
    ) async throws -> Result {
        try await withRunningSimulator(logger: logger) { simulator, baseURL in
            try await body(SimulatedPortal(simulator: simulator, baseURL: baseURL))
        }
    }

    /// Adds an unlimited (box) portal and returns its inbound webhook URL.
    func addPortal(_ domain: String) -> String {
        var configuration = PortalConfiguration(domain: domain, plan: .box)
        configuration.operatingLimits.isEnabled = false
        let portal = simulator.addPortal(configuration)
        return portal.update { state in
            "\(baseURL)/portal/\(domain)/rest/\(state.configuration.webhookUserId)/\(state.configuration.webhookCode)/"
        }
    }

    /// Makes `batch` requests of `domain` fail with HTTP 500 with `probability` (a failed write the fleet retries).
    func failWrites(on domain: String, probability: Double, firstAlways: Int = 0) {
        portal(domain).update { state in
            // The first `firstAlways` batches fail for certain, so a test never passes without meeting a fault.
            state.faults =
                (firstAlways > 0 ? [FaultRule(method: "batch", action: .internalError, count: firstAlways)] : [])
                + [FaultRule(method: "batch", action: .internalError, probability: probability)]
        }
    }

    /// Makes every call of `domain` answer only after `milliseconds`, so that a burst takes a while.
    func slowDown(_ domain: String, milliseconds: Int) {
        portal(domain).update { state in
            state.faults = [FaultRule(method: "*", action: .slow, delayMilliseconds: milliseconds)]
        }
    }

    func clearFaults(on domain: String) {
        portal(domain).update { $0.faults = [] }
    }

    /// The `originId` of every deal on `domain`, one entry per item (a duplicate item shows up twice).
    func dealOrigins(on domain: String) -> [String] {
        portal(domain).update { state in
            state.sortedItems(2).compactMap { $0["originId"]?.stringValue }
        }
    }

    /// Injected faults so far.
    func faultsInjected(on domain: String) -> Int {
        portal(domain).update { $0.statistics.faultsInjected }
    }

    private func portal(_ domain: String) -> Portal {
        guard let portal = simulator.portal(domain) else {
            preconditionFailure("the test never added portal \(domain) to the simulator")
        }
        return portal
    }
}
