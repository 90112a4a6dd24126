package import Logging
import PortalSimulator
import Synchronization

/// The portal simulator running in process on a free loopback port, seen through plain values only.
///
/// Test files reach the simulator only through this type, so that none needs to import `PortalSimulator`, whose
/// `JSONValue` would clash with `SyncCore`'s.
package final class SimulatedPortals: Sendable {
    /// One item as the portal stores it, reduced to what the tests compare.
    package struct Item: Sendable, Equatable {
        package var id: Int
        package var title: String?
        package var originId: String?
        package var xmlId: String?
    }

    /// What a portal counted, from the moment it was created.
    package struct Counters: Sendable, Equatable {
        /// Top-level requests and `batch` commands, by method.
        package var callsByMethod: [String: Int]
        /// REST requests that reached the portal's request limiter (a `batch` is one), refused ones included.
        package var requests: Int
        /// Requests the portal's leaky bucket refused (`QUERY_LIMIT_EXCEEDED`).
        package var rateLimitRefusals: Int
        /// Requests an injected fault answered instead of the portal.
        package var faultsInjected: Int

        /// Write commands inside batches and as top-level calls.
        package var writeCalls: Int {
            ["crm.item.add", "crm.item.update", "crm.item.delete", "batch"].reduce(0) { $0 + calls($1) }
        }

        package func calls(_ method: String) -> Int { callsByMethod[method] ?? 0 }
    }

    private let simulator: PortalSimulator
    private let baseURL: String

    private init(simulator: PortalSimulator, baseURL: String) {
        self.simulator = simulator
        self.baseURL = baseURL
    }

    /// Starts a simulator with no portal, runs `body` with it, then shuts the server down.
    package static func run<Result: Sendable>(
        logger: Logger,
        _ body: @Sendable (SimulatedPortals) async throws -> Result
    ) async throws -> Result {
        try await withRunningSimulator(logger: logger) { simulator, baseURL in
            try await body(SimulatedPortals(simulator: simulator, baseURL: baseURL))
        }
    }

    /// Adds a portal and returns its inbound webhook URL, as `syncctl portal add --webhook-url` takes it.
    ///
    /// - Parameters:
    ///   - limited: true for the standard plan's request limit (2/s, bucket 50); false for an unlimited box portal.
    ///   - disabledMethods: methods the portal answers with `ERROR_METHOD_NOT_FOUND`.
    package func addPortal(_ domain: String, limited: Bool = false, disabledMethods: Set<String> = []) -> String {
        var configuration = PortalConfiguration(domain: domain, plan: limited ? .standard : .box)
        configuration.operatingLimits.isEnabled = false
        configuration.disabledMethods = disabledMethods
        let portal = simulator.addPortal(configuration)
        return portal.update { state in
            "\(baseURL)/portal/\(domain)/rest/\(state.configuration.webhookUserId)/\(state.configuration.webhookCode)/"
        }
    }

    /// The secret code of `domain`'s inbound webhook (to check that nothing prints it).
    package func webhookCode(_ domain: String) -> String {
        portal(domain).update { $0.configuration.webhookCode }
    }

    /// Makes `batch` requests to `domain` fail with HTTP 503 `QUERY_LIMIT_EXCEEDED`: with `probability`, or every
    /// time; `count` limits how many are hit (nil: no limit).
    /// `firstAlways` requests fail before the others are drawn at `probability`, so that a test of retries always
    /// sees some, however few requests the fleet needs.
    package func failBatches(on domain: String, probability: Double = 1, count: Int? = nil, firstAlways: Int = 0) {
        failBatches(
            on: domain,
            with: .serviceUnavailable,
            probability: probability,
            count: count,
            firstAlways: firstAlways
        )
    }

    /// Makes `batch` requests of `domain` fail with HTTP 500 with `probability` (a failed write the fleet retries);
    /// the first `firstAlways` fail for certain, so that a test never passes without meeting a fault. `count` caps
    /// the drawn failures (nil: no cap), so that no change can run out of retries by chance.
    package func failWrites(on domain: String, probability: Double, count: Int? = nil, firstAlways: Int = 0) {
        failBatches(on: domain, with: .internalError, probability: probability, count: count, firstAlways: firstAlways)
    }

    /// Makes every call of `domain` answer only after `milliseconds`, so that a burst takes a while.
    package func slowDown(_ domain: String, milliseconds: Int) {
        portal(domain).update { $0.faults = [FaultRule(method: "*", action: .slow, delayMilliseconds: milliseconds)] }
    }

    private func failBatches(
        on domain: String,
        with action: FaultRule.Action,
        probability: Double,
        count: Int?,
        firstAlways: Int
    ) {
        var rules: [FaultRule] = []
        if firstAlways > 0 {
            rules.append(FaultRule(method: "batch", action: action, count: firstAlways, probability: 1))
        }
        rules.append(FaultRule(method: "batch", action: action, count: count, probability: probability))
        portal(domain).update { $0.faults = rules }
    }

    /// Turns on the per-method operating-time limit of `domain`: `budgetSeconds` per `windowSeconds`, each call of
    /// the methods in `costSeconds` costing that much.
    package func limitOperatingTime(
        on domain: String,
        budgetSeconds: Double,
        windowSeconds: Double,
        costSeconds: [String: Double]
    ) {
        portal(domain).update { state in
            var limits = state.operatingLimiter.limits
            limits.budgetSeconds = budgetSeconds
            limits.windowSeconds = windowSeconds
            limits.isEnabled = true
            state.configuration.operatingLimits = limits
            state.operatingLimiter.limits = limits
            for (method, cost) in costSeconds { state.configuration.operatingCostSeconds[method] = cost }
        }
    }

    /// How often `domain` refused a call with `OPERATION_TIME_LIMIT`.
    package func operatingRefusals(of domain: String) -> Int {
        portal(domain).update { $0.statistics.operatingRefusals }
    }

    /// Removes every injected fault of `domain`.
    package func clearFaults(on domain: String) {
        portal(domain).update { $0.faults = [] }
    }

    /// Every item of `entityTypeId` on `domain`, by id.
    package func items(on domain: String, entityTypeId: Int = 2) -> [Item] {
        portal(domain).update { state in
            state.sortedItems(entityTypeId).map { item in
                Item(
                    id: item["id"]?.intValue ?? 0,
                    title: item["title"]?.stringValue,
                    originId: item["originId"]?.stringValue,
                    xmlId: item["xmlId"]?.stringValue
                )
            }
        }
    }

    /// The `originId` of every deal on `domain`, one entry per item (a duplicate item shows up twice).
    package func dealOrigins(on domain: String) -> [String] {
        items(on: domain).compactMap(\.originId)
    }

    package func counters(of domain: String) -> Counters {
        portal(domain).update { state in
            Counters(
                callsByMethod: state.statistics.callsByMethod,
                requests: state.statistics.requests,
                rateLimitRefusals: state.statistics.rateLimitRefusals,
                faultsInjected: state.statistics.faultsInjected
            )
        }
    }

    /// Makes `domain` require `fields` (camelCase names) of an item entering `stage`, as a portal configured to check
    /// stage requirements for REST writes does; `crm.item.fields` does not show them.
    package func requireFields(on domain: String, entityTypeId: Int, stage: String, _ fields: [String]) {
        portal(domain).update { state in
            state.configuration.enforcesStageRequirements = true
            state.stageRequirements[entityTypeId, default: [:]][stage] = fields
        }
    }

    private func portal(_ domain: String) -> Portal {
        guard let portal = simulator.portal(domain) else {
            preconditionFailure("the test never added portal \(domain) to the simulator")
        }
        return portal
    }
}
