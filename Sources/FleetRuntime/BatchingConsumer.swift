package import AMQPClient
package import Logging
import ServiceLifecycle

/// A worker's consuming loop as a `Service`: subscribes to its queue with a prefetch, hands deliveries to
/// `process` in batches from several concurrent lanes, acknowledges a batch once `process` returns, and returns a
/// batch to the queue (nack with requeue) when `process` throws.
///
/// On graceful shutdown (SIGTERM) it cancels the subscription, lets the lanes finish what they hold, returns what
/// no lane took, and closes the connection: nothing is left unacknowledged and nothing is lost.
package struct BatchingConsumer: Service {
    package struct Settings: Sendable {
        package var queue: String
        package var prefetch: UInt16
        package var batchSize: Int
        package var lanes: Int
        package var linger: Duration

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

    package init(settings: Settings, configuration: AMQPConfiguration, logger: Logger, process: @escaping Process) {
        self.settings = settings
        self.configuration = configuration
        self.logger = logger
        self.process = process
    }

    package func run() async throws {
        let consumer = try await AMQPConsumer.start(
            queue: settings.queue,
            prefetch: settings.prefetch,
            configuration: configuration,
            logger: logger
        )
        let buffer = DeliveryBuffer()
        logger.info("consuming", metadata: ["queue": "\(settings.queue)", "prefetch": "\(settings.prefetch)"])
        try await withThrowingTaskGroup(of: Bool.self) { group in
            // Children return whether they are the shutdown watcher, which alone may still be waiting at the end.
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
                    while let batch = await buffer.nextBatch(maximum: settings.batchSize, linger: settings.linger) {
                        await handle(batch, consumer: consumer, upcoming: UpcomingDeliveries(buffer: buffer))
                    }
                    return false
                }
            }
            // On SIGTERM: cancel the subscription; the reader then ends, and the lanes finish what they hold.
            group.addTask {
                guard (try? await gracefulShutdown()) != nil else { return true }
                logger.info("graceful shutdown: no new deliveries", metadata: ["queue": "\(settings.queue)"])
                await consumer.stopConsuming()
                return true
            }
            var workersFinished = 0
            for try await isWatcher in group where !isWatcher {
                workersFinished += 1
                // The reader and every lane are done: stop the watcher if it still waits.
                if workersFinished == settings.lanes + 1 { group.cancelAll() }
            }
        }
        for delivery in await buffer.takeAll() {
            _ = try? await consumer.nack(delivery, requeue: true)
        }
        await consumer.close()
        logger.info("stopped", metadata: ["queue": "\(settings.queue)"])
    }

    private func handle(_ batch: [AMQPDelivery], consumer: AMQPConsumer, upcoming: UpcomingDeliveries) async {
        do {
            try await process(batch, upcoming)
            for delivery in batch { _ = try await consumer.ack(delivery) }
        } catch {
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
