package import FleetRuntime
import Foundation
package import Logging
package import PQClient
import ServiceLifecycle
import SyncCore

/// Catches the events a portal never delivered: every polling interval (the contract's, 15 minutes) exactly one
/// replica of the whole fleet lists, for each portal and entity type, the items changed since a stored watermark,
/// and queues them for pull. The pull ledger drops the ones already pulled, so only missed changes cost a fetch.
///
/// One replica per interval: the run is a lease row that a replica takes with one conditional `UPDATE` (only when
/// the last run is an interval old), so however many replicas tick, one of them runs.
package struct PollingFallback: Service {
    private let pool: PQPool
    private let portals: PortalDirectory
    private let events: PortalEventPublisher
    private let walker: ItemWalker
    private let interval: Duration
    private let tick: Duration
    private let replica: String
    private let logger: Logger
    /// Items whose `updatedTime` is this close to the watermark are listed again (the portal stores whole seconds).
    private let overlapSeconds = 5.0

    package init(
        pool: PQPool,
        portals: PortalDirectory,
        events: PortalEventPublisher,
        interval: Duration,
        tick: Duration? = nil,
        replica: String = UUID().uuidString.lowercased(),
        logger: Logger
    ) {
        self.pool = pool
        self.portals = portals
        self.events = events
        self.walker = ItemWalker(budget: PortalRequestBudget(pool: pool))
        self.interval = interval
        self.tick = tick ?? min(interval / 4, .seconds(30))
        self.replica = replica
        self.logger = logger
    }

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if try await takeLease() { try await pollAll() }
            } catch {
                logger.warning("polling run failed; the next interval tries again", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: tick)
        }
    }

    private var intervalSeconds: Double {
        let (seconds, attoseconds) = interval.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// True when this replica won this interval's run.
    package func takeLease() async throws -> Bool {
        try await pool.execute("INSERT INTO poll_lease (name) VALUES ('polling') ON CONFLICT DO NOTHING")
        return try await pool.execute(
            """
            UPDATE poll_lease SET last_run_at = clock_timestamp(), holder = \(replica)
            WHERE name = 'polling' AND last_run_at <= clock_timestamp() - make_interval(secs => \(intervalSeconds))
            """
        ) == 1
    }

    /// One run over every callable portal and entity type; returns how many items were queued.
    @discardableResult
    package func pollAll() async throws -> Int {
        var queued = 0
        for registration in try await PortalRegistry(pool: pool).all() where registration.enabled {
            guard let portal = try await portals.connection(for: registration.domain) else { continue }
            for (entity, entityTypeId) in registration.entityTypes.sorted(by: { $0.key < $1.key }) {
                do {
                    queued += try await poll(portal, entity: entity, entityTypeId: entityTypeId)
                } catch {
                    logger.warning(
                        "polling a portal failed",
                        metadata: ["portal": "\(portal.domain)", "entity": "\(entity)", "error": "\(error)"]
                    )
                }
            }
        }
        logger.info("polling run", metadata: ["replica": "\(replica)", "queued": "\(queued)"])
        return queued
    }

    private func poll(_ portal: PortalConnection, entity: String, entityTypeId: Int) async throws -> Int {
        let stored = try await pool.query(
            """
            SELECT extract(epoch FROM watermark)::float8 AS watermark FROM poll_watermarks
            WHERE portal = \(portal.domain) AND entity_type_id = \(entityTypeId)
            """
        ).first?.decode(Double.self, column: "watermark")
        let since = (stored ?? Date().timeIntervalSince1970 - intervalSeconds) - overlapSeconds
        var newest = stored ?? since
        var queued = 0
        try await walker.walk(
            portal,
            entityTypeId: entityTypeId,
            filter: [">=updatedTime": .string(RFC3339Timestamp(secondsSince1970: since.rounded(.down)).text)]
        ) { entries in
            for entry in entries {
                let message = PortalEventMessage(
                    portal: portal.domain,
                    event: "POLL",
                    source: .poll,
                    action: .update,
                    entityTypeId: entityTypeId,
                    id: entry.id,
                    updatedTime: entry.updatedTime
                )
                try await events.publish(
                    message,
                    routingKey: message.routingKey(entity: entity),
                    messageID: "poll:\(portal.domain)|\(entityTypeId)|\(entry.id)|\(entry.updatedTime ?? "")"
                )
                queued += 1
                if let time = entry.updatedTime.flatMap(RFC3339Timestamp.init) {
                    newest = max(newest, time.secondsSince1970)
                }
            }
        }
        try await pool.execute(
            """
            INSERT INTO poll_watermarks (portal, entity_type_id, watermark) VALUES
                (\(portal.domain), \(entityTypeId), to_timestamp(\(newest)))
            ON CONFLICT (portal, entity_type_id) DO UPDATE SET
                watermark = greatest(poll_watermarks.watermark, EXCLUDED.watermark), updated_at = now()
            """
        )
        return queued
    }
}
