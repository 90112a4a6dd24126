package import Hummingbird
import Logging
package import NIOCore
import ServiceLifecycle
import Synchronization

/// The simulator: a registry of portals (by domain, with renamed domains remembered for 302s) plus the
/// background work a real portal does after answering (event POSTs, robots).
package final class PortalSimulator: Sendable {
    /// Deferred work, owned by ``BackgroundWork``.
    enum Job: Sendable {
        case deliver(Portal, url: String, body: [UInt8], eventName: String)
        case robot(Portal, RobotRule, itemId: Int)
    }

    private struct Registry {
        var portals: [String: Portal] = [:]
        /// Old domain → new domain.
        var renamed: [String: String] = [:]
        var order: [String] = []
    }

    package let clock: any PortalClock
    package let publicBaseURL: String
    let delivery: any EventDelivering
    let logger: Logger
    private let registry = Mutex(Registry())
    /// Pending jobs; replaced by a fresh stream when a run ends, so the application can be run again.
    private let jobQueue: Mutex<(stream: AsyncStream<Job>, continuation: AsyncStream<Job>.Continuation)>

    package init(configuration: SimulatorConfiguration) {
        clock = configuration.clock
        publicBaseURL = configuration.publicBaseURL
        delivery = configuration.delivery
        logger = configuration.logger
        jobQueue = Mutex(AsyncStream.makeStream(of: Job.self))
        for portalConfiguration in configuration.portals {
            let portal = addPortal(portalConfiguration)
            portal.update { $0.faults = configuration.faults }
        }
    }

    /// Creates (or replaces) a portal.
    @discardableResult
    package func addPortal(_ configuration: PortalConfiguration) -> Portal {
        let portal = Portal(configuration: configuration, publicBaseURL: publicBaseURL)
        registry.withLock { registry in
            if registry.portals[configuration.domain] == nil { registry.order.append(configuration.domain) }
            registry.portals[configuration.domain] = portal
            registry.renamed[configuration.domain] = nil
        }
        return portal
    }

    /// The portal answering for `domain`.
    package func portal(_ domain: String) -> Portal? {
        registry.withLock { $0.portals[domain.lowercased()] ?? $0.portals[domain] }
    }

    /// Every portal in creation order.
    package var portals: [Portal] {
        registry.withLock { registry in registry.order.compactMap { registry.portals[$0] } }
    }

    /// The new name of a renamed portal.
    package func renamedDomain(_ domain: String) -> String? {
        registry.withLock { $0.renamed[domain] }
    }

    /// Renames a portal; requests to the old domain get a 302 to the new one.
    /// - Returns: false when `from` is unknown or `to` is taken.
    @discardableResult
    package func rename(_ from: String, to: String) -> Bool {
        registry.withLock { registry in
            guard let portal = registry.portals[from], registry.portals[to] == nil else { return false }
            registry.portals[from] = nil
            registry.portals[to] = portal
            registry.renamed[from] = to
            registry.order = registry.order.map { $0 == from ? to : $0 }
            portal.update { $0.configuration.domain = to }
            return true
        }
    }

    /// Hands a portal's pending effects to the background work.
    package func dispatchEffects(of portal: Portal) {
        let sink = jobQueue.withLock { $0.continuation }
        for effect in portal.drainEffects() {
            switch effect {
            case .deliver(let url, let body, let eventName):
                sink.yield(.deliver(portal, url: url, body: body, eventName: eventName))
            case .robot(let rule, let itemId):
                sink.yield(.robot(portal, rule, itemId: itemId))
            }
        }
    }

    /// One JSON line per portal: domain, member id, webhook URL, application token, OAuth client and a token pair.
    package func startupLines() -> [String] {
        portals.map { portal in
            let now = clock.now()
            return portal.update { state in
                let tokens = state.issueTokens(now: now)
                let line: JSONValue = [
                    "domain": .string(state.configuration.domain),
                    "memberId": .string(state.configuration.memberId),
                    "plan": .string(state.configuration.plan.rawValue),
                    "webhookUrl": .string(state.webhookURL),
                    "clientEndpoint": .string(state.clientEndpoint),
                    "applicationToken": .string(state.configuration.applicationToken),
                    "clientId": .string(state.configuration.clientId),
                    "clientSecret": .string(state.configuration.clientSecret),
                    "accessToken": .string(tokens.access),
                    "refreshToken": .string(tokens.refresh),
                    "oauthTokenUrl": .string("\(publicBaseURL)/oauth/token/"),
                    "smartProcessEntityTypeId": .int(state.configuration.smartProcessEntityTypeId),
                ]
                return line.serialized
            }
        }
    }

    /// The HTTP application: REST, OAuth and admin API on one port, plus the background work as a service.
    /// - Parameters:
    ///   - configuration: Address and server options (`port: 0` picks a free port).
    ///   - onServerRunning: Called with the listening channel, e.g. to learn the port chosen.
    package func makeApplication(
        configuration: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 8090)),
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: SimulatorResponder(simulator: self),
            configuration: configuration,
            services: [BackgroundWork(simulator: self)],
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Runs deferred jobs until graceful shutdown; each job is a child task, so a slow handler delays nothing else.
    func runJobs() async {
        let jobs = jobQueue.withLock { $0.stream }
        await withDiscardingTaskGroup { group in
            for await job in jobs.cancelOnGracefulShutdown() {
                group.addTask { await self.perform(job) }
            }
            group.cancelAll()
        }
        jobQueue.withLock { queue in
            queue.continuation.finish()
            queue = AsyncStream.makeStream(of: Job.self)
        }
    }

    private func perform(_ job: Job) async {
        switch job {
        case .deliver(let portal, let url, let body, let eventName):
            do {
                try await delivery.deliver(url: url, formBody: body)
                portal.update { $0.statistics.eventsSent += 1 }
            } catch {
                portal.update { $0.statistics.eventDeliveryFailures += 1 }
                logger.info(
                    "event delivery failed; not resent",
                    metadata: ["event": "\(eventName)", "handler": "\(url)", "error": "\(error)"]
                )
            }
        case .robot(let portal, let rule, let itemId):
            do {
                try await Task.sleep(for: .milliseconds(rule.delayMilliseconds))
            } catch {
                return
            }
            let now = clock.now()
            _ = try? portal.withState { state throws(PortalError) in
                try state.updateItem(
                    entityTypeId: rule.entityTypeId,
                    id: itemId,
                    fields: rule.fields,
                    origin: .automation,
                    now: now
                )
            }
            dispatchEffects(of: portal)
        }
    }
}

/// Builds the simulator application (the executable and in-process tests use this); keep the
/// ``PortalSimulator`` from ``PortalSimulator/init(configuration:)`` instead when a test needs its state.
package func makePortalSimulator(
    configuration: SimulatorConfiguration,
    server: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 8090))
) -> some ApplicationProtocol {
    PortalSimulator(configuration: configuration).makeApplication(configuration: server)
}
