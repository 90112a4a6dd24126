package import Logging
package import PQClient
import ServiceLifecycle
package import SyncCore

/// The rollback trigger of seed §1 as a `Service`: every few seconds it reads the write outcomes of the sliding
/// window (``RollbackWindow``, across every replica) and trips ``FleetControl`` when more than the contract's
/// error rate failed among at least its minimum number of writes. Every write worker runs one; the query is cheap
/// and tripping is idempotent, so it needs no election.
package struct RollbackMonitor: Service {
    private let policy: IntegrationContract.RollbackTrigger
    private let pool: PQPool
    private let control: FleetControl
    private let interval: Duration
    private let logger: Logger

    /// - Parameter interval: how often to evaluate the window (`SYNC_ROLLBACK_CHECK_MS`, default 5 s).
    package init(
        policy: IntegrationContract.RollbackTrigger,
        pool: PQPool,
        interval: Duration = .seconds(5),
        logger: Logger
    ) {
        self.policy = policy
        self.pool = pool
        self.control = FleetControl(pool: pool)
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await evaluate()
            } catch {
                logger.warning("rollback trigger could not evaluate the window", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// Reads the window once and trips the fleet when it is over the threshold.
    /// - Returns: the window read, and whether this call tripped the fleet.
    @discardableResult
    package func evaluate() async throws -> (window: RollbackWindow, tripped: Bool) {
        let (window, reason) = try await control.tripIfOver(policy)
        if let reason {
            logger.critical(
                "rollback trigger tripped: write workers stop taking write messages until `syncctl resume`",
                metadata: [
                    "reason": "\(reason)", "failed": "\(window.failed)", "total": "\(window.total)",
                    "window_seconds": "\(window.windowSeconds)",
                ]
            )
        }
        return (window, reason != nil)
    }
}
