import Logging
import Synchronization

/// The consumer connection: prefetch, one subscription, and the deliveries handed to the stream.
final class AMQPConsumerRole: AMQPRole {
    private let queue: String
    private let prefetch: UInt16
    private let continuation: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation
    private let shared: AMQPConsumerState
    private let logger: Logger
    private var consumerTag: String?
    /// Delivery tags of the current channel handed out and not yet settled.
    private var unsettled: Set<UInt64> = []

    init(
        queue: String,
        prefetch: UInt16,
        continuation: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation,
        shared: AMQPConsumerState,
        logger: Logger
    ) {
        self.queue = queue
        self.prefetch = prefetch
        self.continuation = continuation
        self.shared = shared
        self.logger = logger
    }

    func sessionStarted(_ session: AMQPSession) throws(AMQPError) {
        forgetUnsettled()
        guard !shared.stopRequested.load(ordering: .acquiring) else { return }
        try session.setPrefetch(prefetch)
        consumerTag = try session.consume(queue: queue)
        logger.debug("amqp consuming", metadata: ["amqp.queue": "\(queue)", "amqp.prefetch": "\(prefetch)"])
    }

    func readInbound(_ session: AMQPSession) throws(AMQPError) {
        guard consumerTag != nil else {
            _ = try session.nextMethod()
            return
        }
        switch try session.consumeOne() {
        case .delivery(let delivery):
            if case .enqueued = continuation.yield(delivery) {
                unsettled.insert(delivery.deliveryTag)
                shared.unsettled.store(unsettled.count, ordering: .releasing)
            }
        case .method(.cancelledByBroker):
            // The queue was deleted or its leader moved: subscribe again; a missing queue then ends the stream.
            logger.info("amqp consumer cancelled by the broker; resubscribing", metadata: ["amqp.queue": "\(queue)"])
            consumerTag = nil
            consumerTag = try session.consume(queue: queue)
        case .method, .nothing:
            break
        }
    }

    func sessionEnded(_ error: AMQPError) {
        if !unsettled.isEmpty {
            logger.info(
                "amqp channel ended with unacknowledged deliveries; the broker redelivers them",
                metadata: ["amqp.queue": "\(queue)", "amqp.unsettled": "\(unsettled.count)"]
            )
        }
        consumerTag = nil
        forgetUnsettled()
    }

    func shouldGiveUp(after error: AMQPError) -> Bool {
        error.code == .channelClosed && (error.replyCode == 404 || error.replyCode == 403)
    }

    func finished(_ error: AMQPError?) {
        if let error { continuation.finish(throwing: error) } else { continuation.finish() }
    }

    /// Cancels the subscription and ends the stream; deliveries already handed out can still be settled.
    func stopConsuming(_ session: AMQPSession) throws(AMQPError) {
        shared.stopRequested.store(true, ordering: .releasing)
        defer { continuation.finish() }
        guard let tag = consumerTag else { return }
        consumerTag = nil
        try session.cancel(consumerTag: tag)
    }

    /// Acks, nacks or rejects on the channel that delivered the message, or reports it stale.
    func settle(
        _ delivery: AMQPDelivery,
        multiple: Bool,
        session: AMQPSession,
        send: (AMQPSession) throws(AMQPError) -> Void
    ) throws(AMQPError) -> AMQPSettlement {
        guard delivery.channelToken == session.channelToken else {
            logger.info(
                "amqp settle of a delivery from a closed channel ignored; the broker redelivers it",
                metadata: ["amqp.delivery_tag": "\(delivery.deliveryTag)"]
            )
            return .stale
        }
        try send(session)
        if multiple {
            unsettled = unsettled.filter { $0 > delivery.deliveryTag }
        } else {
            unsettled.remove(delivery.deliveryTag)
        }
        shared.unsettled.store(unsettled.count, ordering: .releasing)
        return .settled
    }

    private func forgetUnsettled() {
        unsettled.removeAll()
        shared.unsettled.store(0, ordering: .releasing)
    }
}
