package import AMQPClient
import Foundation
package import Logging
import ServiceLifecycle

/// A worker's consuming loop as a `Service`: subscribes to its queue with a prefetch, hands deliveries to
/// `process` in batches from several concurrent lanes, acknowledges a batch once `process` returns, and returns a
/// batch to the queue (nack with requeue) when `process` throws.
///
/// On graceful shutdown (SIGTERM), and while the fleet is paused or tripped (its ``IntakeGate``), it cancels the
/// subscription, lets the lanes finish the batches they started, returns what no lane started, and closes the
/// connection: nothing is left unacknowledged and nothing is lost. When the gate opens again it subscribes again.
package struct BatchingConsumer: Service {
    package struct Settings: Sendable {
        package var queue: String
        package var prefetch: UInt16
        package var batchSize: Int
        package var lanes: Int
        package var linger: Duration

        /// The operation the queue carries, for metrics: `sync.upsert` → `upsert`.
        package var operation: String {
            queue.hasPrefix("sync.") ? String(queue.dropFirst("sync.".count)) : queue
        }

        package init(
            queue: String,
            prefetch: UInt16 = 200,
            batchSize: Int = 50,
            lanes: Int = 4,
            linger: Duration = .milliseconds(15)
        ) {
            self.queue = queue
            self.prefetch = prefetch
            self.batchSize = batchSize
            self.lanes = lanes
            self.linger = linger
        }
    }

    /// Handles one batch; `upcoming` shows what waits behind it, for processors that plan ahead.
    package typealias Process = @Sendable (_ batch: [AMQPDelivery], _ upcoming: UpcomingDeliveries) async throws -> Void

    private let settings: Settings
    private let configuration: AMQPConfiguration
    private let logger: Logger
    private let process: Process
    private let intake: IntakeGate?

    /// - Parameter intake: the fleet-wide pause switch (and, for write workers, the rollback trip); nil consumes
    ///   regardless, as unit tests and tools do.
    package init(
        settings: Settings,
        configuration: AMQPConfiguration,
        logger: Logger,
        intake: IntakeGate? = nil,
        process: @escaping Process
    ) {
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        self.intake = intake
        self.process = process
    }

    /// Consumes until graceful shutdown; while the intake gate is closed (fleet paused or tripped) it holds no
    /// subscription and no message, and subscribes again once the gate opens.
    package func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            guard await waitUntilIntakeOpens() else { break }
            if try await consumeUntilStopped() == .shutdown { break }
        }
        logger.info("stopped", metadata: ["queue": "\(settings.queue)"])
    }

    /// Waits while the gate is closed; returns false when the process shuts down meanwhile.
    private func waitUntilIntakeOpens() async -> Bool {
        guard let intake else { return true }
        var announced = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            switch await read(intake) {
            case .open?:
                if announced { logger.info("intake open again", metadata: ["queue": "\(settings.queue)"]) }
                return true
            case .closed(let reason)?:
                if !announced {
                    logger.notice("intake closed", metadata: ["queue": "\(settings.queue)", "reason": "\(reason)"])
                    announced = true
                }
            case nil:
                // The switch cannot be read (PostgreSQL is down or not set up): consume, as before it was read;
                // processing needs the database too and returns what it cannot settle.
                return true
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: intake.interval) }
            } catch {
                return false
            }
        }
        return false
    }

    /// The gate's decision, or nil when PostgreSQL could not be read (the caller keeps what it was doing).
    private func read(_ intake: IntakeGate) async -> IntakeGate.Decision? {
        do {
            return try await intake.check()
        } catch {
            logger.warning(
                "could not read the fleet control switch",
                metadata: ["queue": "\(settings.queue)", "error": "\(error)"]
            )
            return nil
        }
    }

    /// One subscription: consumes until graceful shutdown or the intake gate closes, then stops taking messages,
    /// lets the lanes finish the batches they started, returns every other held delivery, and closes the connection.
    private func consumeUntilStopped() async throws -> IntakeStop.Reason {
        let consumer = try await AMQPConsumer.start(
            queue: settings.queue,
            prefetch: settings.prefetch,
            configuration: configuration,
            logger: logger
        )
        let buffer = DeliveryBuffer()
        let stop = IntakeStop()
        logger.info("consuming", metadata: ["queue": "\(settings.queue)", "prefetch": "\(settings.prefetch)"])
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                // Children return whether they are a watcher, which alone may still be waiting at the end.
                group.addTask {
                    do {
                        for try await delivery in consumer.deliveries { await buffer.push(delivery) }
                    } catch {
                        await buffer.finish()
                        throw error
                    }
                    await buffer.finish()
                    return false
                }
                for _ in 0..<settings.lanes {
                    group.addTask {
                        await runLane(consumer: consumer, buffer: buffer, stop: stop)
                        return false
                    }
                }
                // On SIGTERM: cancel the subscription; the reader then ends, and the lanes finish what they started.
                group.addTask {
                    guard (try? await gracefulShutdown()) != nil else { return true }
                    if stop.request(.shutdown) {
                        logger.info("graceful shutdown: no new deliveries", metadata: ["queue": "\(settings.queue)"])
                    }
                    await consumer.stopConsuming()
                    return true
                }
                if let intake {
                    group.addTask {
                        await watch(intake, stop: stop)
                        await consumer.stopConsuming()
                        return true
                    }
                }
                var workersFinished = 0
                for try await isWatcher in group where !isWatcher {
                    workersFinished += 1
                    // The reader and every lane are done: stop the watchers if they still wait.
                    if workersFinished == settings.lanes + 1 { group.cancelAll() }
                }
            }
        } catch {
            await returnHeld(buffer: buffer, consumer: consumer)
            throw error
        }
        await returnHeld(buffer: buffer, consumer: consumer)
        return stop.reason ?? .shutdown
    }

    /// Takes batches until the subscription stops; a batch taken after the stop was requested goes back unstarted.
    private func runLane(consumer: AMQPConsumer, buffer: DeliveryBuffer, stop: IntakeStop) async {
        while !stop.isRequested,
            let batch = await buffer.nextBatch(maximum: settings.batchSize, linger: settings.linger)
        {
            if stop.isRequested {
                for delivery in batch { _ = try? await consumer.nack(delivery, requeue: true) }
                FleetMetrics.message(operation: settings.operation, outcome: "returned", count: batch.count)
                continue
            }
            await handle(batch, consumer: consumer, upcoming: UpcomingDeliveries(buffer: buffer))
        }
    }

    /// Polls the gate until it closes (then requests the stop) or the task is cancelled.
    private func watch(_ intake: IntakeGate, stop: IntakeStop) async {
        while !Task.isCancelled {
            guard (try? await Task.sleep(for: intake.interval)) != nil else { return }
            if case .closed(let reason)? = await read(intake) {
                if stop.request(.intakeClosed) {
                    FleetMetrics.intakeClosed(queue: settings.queue)
                    logger.notice(
                        "intake closed: no new deliveries",
                        metadata: ["queue": "\(settings.queue)", "reason": "\(reason)"]
                    )
                }
                return
            }
        }
    }

    /// Returns what no lane took (nack with requeue) and closes the connection.
    private func returnHeld(buffer: DeliveryBuffer, consumer: AMQPConsumer) async {
        let held = await buffer.takeAll()
        for delivery in held { _ = try? await consumer.nack(delivery, requeue: true) }
        FleetMetrics.message(operation: settings.operation, outcome: "returned", count: held.count)
        if !held.isEmpty {
            logger.info("returned held deliveries", metadata: ["queue": "\(settings.queue)", "count": "\(held.count)"])
        }
        await consumer.close()
    }

    private func handle(_ batch: [AMQPDelivery], consumer: AMQPConsumer, upcoming: UpcomingDeliveries) async {
        do {
            try await process(batch, upcoming)
            for delivery in batch { _ = try await consumer.ack(delivery) }
            FleetMetrics.message(operation: settings.operation, outcome: "acked", count: batch.count)
            let now = Date()
            for delivery in batch {
                // The ERP's publish timestamp (AMQP `timestamp`, whole seconds) to the acknowledgement.
                guard let published = delivery.properties.timestamp else { continue }
                FleetMetrics.endToEnd(operation: settings.operation, seconds: now.timeIntervalSince(published))
            }
        } catch {
            FleetMetrics.message(operation: settings.operation, outcome: "requeued", count: batch.count)
            logger.error(
                "batch failed; returning it to the queue",
                metadata: ["queue": "\(settings.queue)", "size": "\(batch.count)", "error": "\(error)"]
            )
            for delivery in batch { _ = try? await consumer.nack(delivery, requeue: true) }
            // The database or the broker is in trouble: do not spin on the same messages.
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

/// The deliveries waiting behind a batch, visible without taking them.
package struct UpcomingDeliveries: Sendable {
    private let buffer: DeliveryBuffer?

    init(buffer: DeliveryBuffer) {
        self.buffer = buffer
    }

    /// Nothing waits (a batch handled on its own, as tests do).
    package init() {
        self.buffer = nil
    }

    package func peek(limit: Int) async -> [AMQPDelivery] {
        await buffer?.peek(limit: limit) ?? []
    }
}
