package import Logging
import Synchronization

/// Consumes one queue with manual acknowledgements on a connection of its own.
///
/// `deliveries` yields messages as the broker pushes them; at most `prefetch` are unacknowledged at once, which is
/// also the stream's buffer bound. After a lost connection the consumer reconnects with backoff and subscribes
/// again; settling a delivery of the dead connection is a no-op that returns `.stale` (the broker requeued it and
/// will redeliver it with `redelivered == true`). The stream ends with an error only when subscribing becomes
/// impossible (e.g. the queue was deleted); it ends normally after `stopConsuming()` or `close()`.
package final class AMQPConsumer: Sendable {
    package let deliveries: AsyncThrowingStream<AMQPDelivery, any Error>
    private let thread: AMQPIOThread<AMQPConsumerRole>
    private let shared: AMQPConsumerState

    private init(
        deliveries: AsyncThrowingStream<AMQPDelivery, any Error>,
        thread: AMQPIOThread<AMQPConsumerRole>,
        shared: AMQPConsumerState
    ) {
        self.deliveries = deliveries
        self.thread = thread
        self.shared = shared
    }

    deinit {
        thread.requestStop()
    }

    /// Connects, sets the prefetch and subscribes to `queue`.
    ///
    /// - Throws: `AMQPError`: `.connectionFailed`, `.authenticationFailed`, `.channelClosed` with 404 when the queue
    ///   does not exist.
    package static func start(
        queue: String,
        prefetch: UInt16,
        configuration: AMQPConfiguration,
        logger: Logger = Logger(label: "AMQPClient", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> AMQPConsumer {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: AMQPDelivery.self, throwing: (any Error).self)
        let shared = AMQPConsumerState()
        let thread = try await AMQPIOThread<AMQPConsumerRole>.start(
            name: "amqp-consumer",
            configuration: configuration,
            logger: logger,
            makeRole: {
                AMQPConsumerRole(
                    queue: queue,
                    prefetch: prefetch,
                    continuation: continuation,
                    shared: shared,
                    logger: logger
                )
            }
        )
        // A consumer task that is cancelled while iterating ends the stream for good: close the connection so the
        // broker hands the unacknowledged messages to other consumers instead of holding them here.
        continuation.onTermination = { [weak thread] termination in
            if case .cancelled = termination { thread?.requestStop() }
        }
        return AMQPConsumer(deliveries: stream, thread: thread, shared: shared)
    }

    /// Acknowledges a delivery (and, with `multiple`, every earlier one on the same channel).
    @discardableResult
    package func ack(_ delivery: AMQPDelivery, multiple: Bool = false) async throws -> AMQPSettlement {
        try await settle(delivery, multiple: multiple) { session throws(AMQPError) in
            try session.ack(delivery.deliveryTag, multiple: multiple)
        }
    }

    /// Negatively acknowledges: `requeue` puts it back in the queue, otherwise it is dead-lettered or dropped.
    @discardableResult
    package func nack(_ delivery: AMQPDelivery, multiple: Bool = false, requeue: Bool) async throws -> AMQPSettlement {
        try await settle(delivery, multiple: multiple) { session throws(AMQPError) in
            try session.nack(delivery.deliveryTag, multiple: multiple, requeue: requeue)
        }
    }

    /// Rejects one delivery: `requeue` puts it back in the queue, otherwise it is dead-lettered or dropped.
    @discardableResult
    package func reject(_ delivery: AMQPDelivery, requeue: Bool) async throws -> AMQPSettlement {
        try await settle(delivery, multiple: false) { session throws(AMQPError) in
            try session.reject(delivery.deliveryTag, requeue: requeue)
        }
    }

    /// How many deliveries were handed out on the current channel and are not settled yet.
    package var unsettledCount: Int { shared.unsettled.load(ordering: .acquiring) }

    /// Cancels the subscription (`basic.cancel`) and ends `deliveries`; held deliveries can still be settled.
    package func stopConsuming() async {
        shared.stopRequested.store(true, ordering: .releasing)
        _ = try? await thread.perform { session, role throws(AMQPError) in try role.stopConsuming(session) }
    }

    /// Stops consuming, waits up to `drainTimeout` for held deliveries to be settled, then closes the channel and
    /// the connection (the broker requeues whatever is still unacknowledged).
    package func close(drainTimeout: Duration = .seconds(5)) async {
        await stopConsuming()
        let deadline = ContinuousClock.now + drainTimeout
        while unsettledCount > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await thread.stop()
    }

    /// Test hook: breaks the socket under librabbitmq, as a network failure or broker crash would.
    package func breakConnectionForTesting() async throws {
        try await thread.perform { session, _ in session.breakSocket() }
    }

    /// Test hook: makes the broker close this connection with `connection.close`, as it does when it restarts.
    package func provokeConnectionCloseByBrokerForTesting() async throws {
        try await thread.perform { session, _ in session.provokeConnectionCloseByBroker() }
    }

    private func settle(
        _ delivery: AMQPDelivery,
        multiple: Bool,
        send: @escaping @Sendable (AMQPSession) throws(AMQPError) -> Void
    ) async throws -> AMQPSettlement {
        do {
            return try await thread.perform { session, role throws(AMQPError) in
                try role.settle(delivery, multiple: multiple, session: session, send: send)
            }
        } catch let error as AMQPError where error.code == .connectionLost {
            // The channel that delivered the message is gone, so the broker requeues it by itself.
            return .stale
        }
    }
}
