import FleetRuntime
import Foundation

/// Portals of the simulator registered with the fleet, as `syncctl portal add` registers a real one.
extension FleetFixture {
    /// Adds a portal with a unique domain to `portals` and registers its inbound webhook; returns the domain.
    ///
    /// - Parameters:
    ///   - limited: the standard plan's request limit on both sides; otherwise an unlimited box portal.
    ///   - disabledMethods: methods the portal answers with `ERROR_METHOD_NOT_FOUND`.
    package func registerPortal(
        on portals: SimulatedPortals,
        limited: Bool = false,
        disabledMethods: Set<String> = []
    ) async throws -> String {
        let domain = "t-\(UUID().uuidString.lowercased()).test"
        let webhook = portals.addPortal(domain, limited: limited, disabledMethods: disabledMethods)
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(domain: domain, webhookURL: webhook, plan: limited ? .standard : .box)
        )
        return domain
    }
}
