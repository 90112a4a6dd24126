package import Logging
package import PQClient
package import PullPath
import ServiceLifecycle
import SyncCore

/// Forwards the events the broker did not confirm while a request waited (`parked`), and those a gateway died
/// with (`publishing` for longer than any request takes), once the broker is back. Runs in every gateway replica;
/// each row is taken under `FOR UPDATE SKIP LOCKED`, so two replicas never forward one row at once.
package struct IntakeForwarder: Service {
    private let pool: PQPool
    private let publisher: PortalEventPublisher
    private let interval: Duration
    /// A `publishing` row older than this belongs to a request that can no longer be running.
    private let abandonedAfterSeconds: Int
    private let logger: Logger
    private let metrics: GatewayMetrics

    package init(
        pool: PQPool,
        publisher: PortalEventPublisher,
        interval: Duration = .seconds(1),
        abandonedAfterSeconds: Int = 120,
        logger: Logger,
        metrics: GatewayMetrics
    ) {
        self.pool = pool
        self.publisher = publisher
        self.interval = interval
        self.abandonedAfterSeconds = abandonedAfterSeconds
        self.logger = logger
        self.metrics = metrics
    }

    package func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                while try await forwardBatch() > 0 {}
            } catch {
                logger.warning("forwarding parked events failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Forwards up to 100 waiting events; returns how many were forwarded.
    package func forwardBatch() async throws -> Int {
        try await pool.withTransaction { connection in
            let rows = try await connection.query(
                """
                SELECT idempotency_key, routing_key, body, trace_id FROM event_intake
                WHERE status = 'parked'
                   OR (status = 'publishing' AND received_at < now() - make_interval(secs => \(abandonedAfterSeconds)))
                ORDER BY received_at LIMIT 100 FOR UPDATE SKIP LOCKED
                """
            )
            var forwarded: [String] = []
            for row in rows {
                let key = try row.decode(String.self, column: "idempotency_key")
                try await publisher.publish(
                    body: Array(try row.decode(String.self, column: "body").utf8),
                    routingKey: try row.decode(String.self, column: "routing_key"),
                    messageID: key,
                    traceID: try row.decode(String.self, column: "trace_id")
                )
                forwarded.append(key)
            }
            guard !forwarded.isEmpty else { return 0 }
            let keys = JSONValue.array(forwarded.map { .string($0) }).compactString
            try await connection.execute(
                """
                UPDATE event_intake SET status = 'published', published_at = now(), attempts = attempts + 1
                WHERE idempotency_key IN (SELECT jsonb_array_elements_text(\(keys)::jsonb))
                """
            )
            metrics.count(.forwarded, by: forwarded.count)
            logger.info("parked events forwarded", metadata: ["count": "\(forwarded.count)"])
            return forwarded.count
        }
    }
}
