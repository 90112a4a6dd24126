package import FleetRuntime
package import Logging
package import PQClient
import ServiceLifecycle
package import SyncCore

/// Seed §3's capability check when a worker starts: every registered portal is asked (`scope` and `method.get`
/// in one `batch`) before the first message, and the plan in force is logged, so an operator sees a portal that
/// lost a method at start rather than at its first message.
///
/// The answers go to the fleet's shared record (`portal_capabilities`), where the worker's own
/// ``CapabilityCache`` finds them: the check costs one request per portal for the whole fleet. It runs beside the
/// consumer, as a service that ends when done, so that many registered portals never delay the first message (a
/// message of a portal not yet checked waits for the same check through the shared record's lock). A portal that
/// cannot be asked is logged and left to the first message's check.
package struct StartupCapabilityCheck: Service {
    private let contract: IntegrationContract
    private let pool: PQPool
    private let directory: PortalDirectory
    private let logger: Logger

    package init(contract: IntegrationContract, pool: PQPool, directory: PortalDirectory, logger: Logger) {
        self.contract = contract
        self.pool = pool
        self.directory = directory
        self.logger = logger
    }

    package func run() async throws {
        await checkAll()
    }

    /// Checks `domains` (every registered portal when nil) and returns the plans found, by domain.
    @discardableResult
    package func checkAll(_ domains: [String]? = nil) async -> [String: WritePlan] {
        let cache = CapabilityCache(
            matrix: contract.capabilities,
            budget: PortalRequestBudget(pool: pool),
            sharedThrough: pool,
            logger: logger
        )
        let registered: [String]
        do {
            registered = try await PortalRegistry(pool: pool).all().map(\.domain)
        } catch {
            logger.warning(
                "capability check at start skipped: the portal registry is unreadable",
                metadata: [
                    "error": "\(error)"
                ]
            )
            return [:]
        }
        var plans: [String: WritePlan] = [:]
        for domain in registered where domains?.contains(domain) ?? true {
            if Task.isCancelled { break }
            do {
                guard let portal = try await directory.connection(for: domain) else { continue }
                let plan = try await cache.plan(for: portal)
                plans[domain] = plan
                logger.info(
                    "capability check at start",
                    metadata: [
                        "portal": "\(domain)", "route": "\(plan.route)", "can_delete": "\(plan.canDelete)",
                        "fields_available": "\(plan.fieldsAvailable)",
                        "missing_write_methods": "\(plan.missingWriteMethods.joined(separator: ","))",
                    ]
                )
            } catch {
                logger.warning(
                    "capability check at start failed; the first message of this portal checks again",
                    metadata: ["portal": "\(domain)", "error": "\(error)"]
                )
            }
        }
        return plans
    }
}
