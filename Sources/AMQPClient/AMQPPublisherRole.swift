/// The publisher connection: confirm mode on channel 1 and the window of unconfirmed publishes.
final class AMQPPublisherRole: AMQPRole {
    var window = AMQPConfirmWindow()
    let statistics: AMQPPublisherStatistics

    init(statistics: AMQPPublisherStatistics) {
        self.statistics = statistics
    }

    /// Records a publish just written to the socket under the channel's next tag.
    func track(_ entry: AMQPConfirmWindow.Pending) {
        window.add(entry)
        statistics.record(outstanding: window.count)
    }

    func sessionStarted(_ session: AMQPSession) throws(AMQPError) {
        // A new channel numbers its publishes from 1: whatever the window still held belonged to the old one.
        sessionEnded(AMQPError(.connectionLost, "the channel was replaced", scope: .connection))
        try session.selectConfirms()
    }

    func readInbound(_ session: AMQPSession) throws(AMQPError) {
        guard let method = try session.nextMethod() else { return }
        switch method {
        case .ack(let tag, let multiple):
            window.confirm(tag: tag, multiple: multiple, acked: true)
        case .nack(let tag, let multiple):
            window.confirm(tag: tag, multiple: multiple, acked: false)
        case .returned(let error, let exchange, let routingKey, let messageID):
            window.markReturned(error, exchange: exchange, routingKey: routingKey, messageID: messageID)
        case .cancelledByBroker, .other:
            break
        }
    }

    /// Fails every unconfirmed publish and restarts the tags, even when nothing waits: the next channel numbers its
    /// publishes from 1 again, and a window still counting from the old channel would settle the wrong publishes.
    func sessionEnded(_ error: AMQPError) {
        guard !window.isEmpty else {
            window.failAll(error)
            return
        }
        let failure = AMQPError(
            error.code,
            "the channel ended before RabbitMQ confirmed this message, so it may or may not be stored: retry "
                + "(consumers must tolerate duplicates). Cause: \(error.message)",
            scope: error.scope,
            replyCode: error.replyCode,
            replyText: error.replyText,
            libraryStatus: error.libraryStatus
        )
        window.failAll(failure)
    }

    func tick(now: ContinuousClock.Instant) {
        window.expire(now: now)
    }

    var hasWorkInFlight: Bool { !window.isEmpty }
}
