package import Logging

/// How to start a simulator: its portals, where it is reachable, and the injectable clock and event transport.
package struct SimulatorConfiguration: Sendable {
    package var portals: [PortalConfiguration]
    /// Base URL the fleet uses to reach the simulator (goes into `client_endpoint` and printed webhook URLs).
    package var publicBaseURL: String
    package var clock: any PortalClock
    package var delivery: any EventDelivering
    /// Fault rules installed on every portal at start.
    package var faults: [FaultRule]
    package var logger: Logger

    package init(
        portals: [PortalConfiguration] = [PortalConfiguration(domain: "acme.bitrix24.ru")],
        publicBaseURL: String = "http://127.0.0.1:8090",
        clock: any PortalClock = SystemPortalClock(),
        delivery: any EventDelivering = HTTPEventDelivery(),
        faults: [FaultRule] = [],
        logger: Logger = Logger(label: "portal-sim")
    ) {
        self.portals = portals
        self.publicBaseURL = publicBaseURL
        self.clock = clock
        self.delivery = delivery
        self.faults = faults
        self.logger = logger
    }
}
