package import Logging

/// Publishes persistent messages with publisher confirms on a connection of its own.
///
/// `publish` returns only after the broker's `basic.ack` for that message. Any number of tasks may publish at
/// once: their messages are pipelined on the one channel (a sliding window of unconfirmed tags), so throughput is
/// bound by the broker, not by one round trip per message. A publish in flight when the connection dies throws
/// (`.connectionLost`, retryable); it never reports success it did not get. The connection reconnects by itself.
package final class AMQPPublisher: Sendable {
    private let thread: AMQPIOThread<AMQPPublisherRole>
    private let confirmTimeout: Duration
    let statistics: AMQPPublisherStatistics

    private init(
        thread: AMQPIOThread<AMQPPublisherRole>,
        confirmTimeout: Duration,
        statistics: AMQPPublisherStatistics
    ) {
        self.thread = thread
        self.confirmTimeout = confirmTimeout
        self.statistics = statistics
    }

    deinit {
        thread.requestStop()
    }

    /// Opens the publisher's connection and puts its channel in confirm mode.
    ///
    /// - Throws: `AMQPError` (`.connectionFailed`, `.authenticationFailed`) when the broker cannot be used.
    package static func connect(
        configuration: AMQPConfiguration,
        logger: Logger = Logger(label: "AMQPClient", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> AMQPPublisher {
        let statistics = AMQPPublisherStatistics()
        let thread = try await AMQPIOThread<AMQPPublisherRole>.start(
            name: "amqp-publisher",
            configuration: configuration,
            logger: logger,
            makeRole: { AMQPPublisherRole(statistics: statistics) }
        )
        return AMQPPublisher(thread: thread, confirmTimeout: configuration.confirmTimeout, statistics: statistics)
    }

    /// Publishes one message and waits for the broker to confirm it.
    ///
    /// - Parameter mandatory: when true, a message that matches no queue throws `.unroutable` instead of vanishing.
    /// - Throws: `AMQPError`: `.channelClosed` (e.g. 404 for a missing exchange), `.publishNacked`, `.unroutable`,
    ///   `.timeout`, `.connectionLost` (outcome unknown: retry), `.closed`.
    package func publish(
        _ body: [UInt8],
        exchange: String,
        routingKey: String,
        properties: AMQPProperties = AMQPProperties(),
        mandatory: Bool = false
    ) async throws {
        try await publish(
            body,
            exchange: exchange,
            routingKey: routingKey,
            properties: properties,
            mandatory: mandatory,
            breakingConnectionAfterWrite: false
        )
    }

    /// `publish`, plus a test hook that breaks the socket right after the message was written, so that the
    /// publish is certainly in flight when the connection dies.
    func publish(
        _ body: [UInt8],
        exchange: String,
        routingKey: String,
        properties: AMQPProperties,
        mandatory: Bool,
        breakingConnectionAfterWrite: Bool
    ) async throws {
        let timeout = confirmTimeout
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let complete: @Sendable (AMQPError?) -> Void = { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            }
            thread.submit(
                AMQPIOThread.Command(
                    run: { session, role throws(AMQPError) in
                        try session.publish(
                            body: body,
                            exchange: exchange,
                            routingKey: routingKey,
                            properties: properties,
                            mandatory: mandatory
                        )
                        role.track(
                            AMQPConfirmWindow.Pending(
                                exchange: exchange,
                                routingKey: routingKey,
                                messageID: properties.messageID,
                                mandatory: mandatory,
                                deadline: .now + timeout,
                                complete: complete
                            )
                        )
                        if breakingConnectionAfterWrite { session.breakSocket() }
                    },
                    fail: { complete($0) }
                )
            )
        }
    }

    /// Publishes `messages` in this order, all in flight at once, and returns when the broker has confirmed every one.
    ///
    /// Tasks publishing concurrently reach the channel in no particular order; a queue move (drain, replay) must
    /// keep the order of what it moves, so its messages go to the channel as one command.
    /// - Throws: the first failure among them (as ``publish(_:exchange:routingKey:properties:mandatory:)``); the
    ///   others may or may not be stored.
    package func publishInOrder(_ messages: [AMQPOutgoingMessage]) async throws {
        guard !messages.isEmpty else { return }
        let timeout = confirmTimeout
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let countdown = ConfirmCountdown(count: messages.count, continuation: continuation)
            thread.submit(
                AMQPIOThread.Command(
                    run: { session, role throws(AMQPError) in
                        for message in messages {
                            try session.publish(
                                body: message.body,
                                exchange: message.exchange,
                                routingKey: message.routingKey,
                                properties: message.properties,
                                mandatory: message.mandatory
                            )
                            role.track(
                                AMQPConfirmWindow.Pending(
                                    exchange: message.exchange,
                                    routingKey: message.routingKey,
                                    messageID: message.properties.messageID,
                                    mandatory: message.mandatory,
                                    deadline: .now + timeout,
                                    complete: { countdown.complete($0) }
                                )
                            )
                        }
                    },
                    fail: { countdown.complete($0) }
                )
            )
        }
    }

    /// Waits for outstanding confirms (up to the confirm timeout), then closes the channel and the connection.
    package func close() async {
        await thread.stop()
    }

    /// Test hook: breaks the socket under librabbitmq, as a network failure or broker crash would.
    package func breakConnectionForTesting() async throws {
        try await thread.perform { session, _ in session.breakSocket() }
    }
}
