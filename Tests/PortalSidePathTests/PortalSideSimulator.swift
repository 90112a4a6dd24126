import Logging
import PortalSimulator
import TestSupport

/// The portal simulator in process on a free loopback port, seen through plain values only (this is the suite's
/// only file that imports `PortalSimulator`: its `JSONValue` would clash with `SyncCore`'s).
final class PortalSideSimulator: Sendable {
    /// What the fleet needs to register a simulated portal.
    struct Identity: Sendable {
        var domain: String
        var memberID: String
        var applicationToken: String
        var webhookURL: String
        var clientEndpoint: String
        var clientID: String
        var clientSecret: String
        var oauthServer: String
    }

    private let simulator: PortalSimulator
    let baseURL: String

    private init(simulator: PortalSimulator, baseURL: String) {
        self.simulator = simulator
        self.baseURL = baseURL
    }

    static func run<Result: Sendable>(
        logger: Logger,
        _ body: @Sendable (PortalSideSimulator) async throws -> Result
    ) async throws -> Result {
        try await withRunningSimulator(logger: logger) { simulator, baseURL in
            try await body(PortalSideSimulator(simulator: simulator, baseURL: baseURL))
        }
    }

    /// Adds an unlimited (box) portal with the simulator's public address in its URLs.
    func addPortal(_ domain: String) -> Identity {
        var configuration = PortalConfiguration(domain: domain, plan: .box)
        configuration.operatingLimits.isEnabled = false
        let portal = simulator.addPortal(configuration)
        portal.update { $0.publicBaseURL = baseURL }
        return portal.update { state in
            Identity(
                domain: domain,
                memberID: state.configuration.memberId,
                applicationToken: state.configuration.applicationToken,
                webhookURL: state.webhookURL,
                clientEndpoint: state.clientEndpoint,
                clientID: state.configuration.clientId,
                clientSecret: state.configuration.clientSecret,
                oauthServer: baseURL
            )
        }
    }

    /// A fresh OAuth pair, as the install event would carry.
    func issueTokens(_ domain: String) -> (access: String, refresh: String) {
        let now = simulator.clock.now()
        return portal(domain).update { $0.issueTokens(now: now) }
    }

    /// Expires every access token of `domain` (as if an hour had passed).
    func expireTokens(_ domain: String) {
        let now = simulator.clock.now()
        portal(domain).update { $0.expireAccessTokens(now: now) }
    }

    /// How many refresh tokens were spent on `domain` (each refresh spends one).
    func refreshes(_ domain: String) -> Int {
        portal(domain).update { $0.refreshTokens.values.filter { $0 }.count }
    }

    /// Creates `count` deals without events (an import), returns the first id.
    func seed(_ domain: String, count: Int, entityTypeId: Int = 2) throws -> Int {
        let now = simulator.clock.now()
        let portal = portal(domain)
        return try portal.withState { state throws(PortalError) -> Int in
            let bindings = state.bindings
            state.bindings = []
            defer { state.bindings = bindings }
            var first = 0
            for index in 0..<count {
                let item = try state.addItem(entityTypeId: entityTypeId, fields: [], origin: .user(userId: 1), now: now)
                if index == 0 { first = item["id"]?.intValue ?? 0 }
            }
            return first
        }
    }

    /// A person edits a deal in the portal's UI (fires events and robots); returns the new updatedTime.
    @discardableResult
    func userEdit(_ domain: String, id: Int, title: String, entityTypeId: Int = 2, dropEvents: Bool = false) throws
        -> String
    {
        let now = simulator.clock.now()
        let portal = portal(domain)
        let item = try portal.withState { state throws(PortalError) in
            try state.updateItem(
                entityTypeId: entityTypeId,
                id: id,
                fields: [JSONMember(key: "title", value: .string(title))],
                origin: .user(userId: 7),
                now: now
            )
        }
        if dropEvents {
            _ = portal.drainEffects()
        } else {
            simulator.dispatchEffects(of: portal)
        }
        return item["updatedTime"]?.stringValue ?? ""
    }

    /// A person deletes a deal in the portal's UI (fires the delete event).
    func userDelete(_ domain: String, id: Int) throws {
        let now = simulator.clock.now()
        let portal = portal(domain)
        try portal.withState { state throws(PortalError) in
            try state.deleteItem(entityTypeId: 2, id: id, origin: .user(userId: 7), now: now)
        }
        simulator.dispatchEffects(of: portal)
    }

    /// A robot: when a deal enters `stageId`, assign it to `userID` after `delayMilliseconds`.
    func addRobot(_ domain: String, stageId: String, assignTo userID: Int, delayMilliseconds: Int) {
        portal(domain).update {
            $0.robots = [
                RobotRule(
                    entityTypeId: 2,
                    stageId: stageId,
                    fields: [JSONMember(key: "assignedById", value: .int(userID))],
                    delayMilliseconds: delayMilliseconds
                )
            ]
        }
    }

    /// The title, assignee and updatedTime of a deal.
    func deal(_ domain: String, id: Int) -> (title: String?, assignedById: Int?, updatedTime: String?) {
        portal(domain).update { state in
            let item = state.items[2]?[id]
            return (item?["title"]?.stringValue, item?["assignedById"]?.intValue, item?["updatedTime"]?.stringValue)
        }
    }

    /// Calls made to `domain`, by method (batch commands included).
    func calls(_ domain: String, _ method: String) -> Int {
        portal(domain).update { $0.statistics.callsByMethod[method] ?? 0 }
    }

    /// Records waiting in the portal's offline event queue (reserved ones included).
    func offlineQueueCount(_ domain: String) -> Int {
        portal(domain).update { $0.offlineQueue.count }
    }

    /// Events the portal posted to handlers.
    func eventsSent(_ domain: String) -> Int {
        portal(domain).update { $0.statistics.eventsSent }
    }

    /// Posts an event body the way the portal does (NIO, no blocking thread), throwing unless the answer is 2xx.
    static func deliver(url: String, formBody: [UInt8]) async throws {
        try await HTTPEventDelivery(timeout: .seconds(20)).deliver(url: url, formBody: formBody)
    }

    private func portal(_ domain: String) -> Portal {
        guard let portal = simulator.portal(domain) else {
            preconditionFailure("the test never added portal \(domain) to the simulator")
        }
        return portal
    }
}
