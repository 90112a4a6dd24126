package import AMQPClient
import Foundation

/// Sends a consumed message where its outcome says it belongs, always with a publisher confirm, so the caller may
/// acknowledge the original only once the copy is safe in RabbitMQ:
/// - ``retry(_:attempt:errorCode:errorMessage:)``: into a delay queue that returns it to the work queue;
/// - ``hold(_:forAtLeast:errorCode:errorMessage:)``: the same, without spending an attempt (rate and operating-time
///   limits, a busy item);
/// - ``deadLetter(_:attempts:errorCode:errorMessage:)``: into the operation's dead-letter queue, with the reason.
package struct MessageRouter: Sendable {
    package let operation: String
    package let schedule: RetrySchedule
    package let deadLetterQueue: String
    private let publisher: AMQPPublisher

    package init(operation: String, schedule: RetrySchedule, deadLetterQueue: String, publisher: AMQPPublisher) {
        self.operation = operation
        self.schedule = schedule
        self.deadLetterQueue = deadLetterQueue
        self.publisher = publisher
    }

    /// Retry number `attempt` (1-based) after the contract's backoff with jitter.
    package func retry(_ delivery: AMQPDelivery, attempt: Int, errorCode: String, errorMessage: String) async throws {
        var generator = SystemRandomNumberGenerator()
        let delay = schedule.delay(forAttempt: attempt, using: &generator)
        try await send(delivery, toDelayOf: delay, attempt: attempt, errorCode: errorCode, errorMessage: errorMessage)
        FleetMetrics.retry(operation: operation, attempt: attempt)
    }

    /// Parks the message for at least `milliseconds` without counting an attempt.
    package func hold(_ delivery: AMQPDelivery, forAtLeast milliseconds: Int, errorCode: String, errorMessage: String)
        async throws
    {
        let delay = schedule.holdingDelay(atLeast: milliseconds)
        let attempt = MessageHeaders.attempt(of: delivery.properties)
        try await send(delivery, toDelayOf: delay, attempt: attempt, errorCode: errorCode, errorMessage: errorMessage)
        FleetMetrics.hold(operation: operation, reason: errorCode)
    }

    /// Moves the message to the dead-letter queue with the last error, the attempt count and the trace id.
    package func deadLetter(_ delivery: AMQPDelivery, attempts: Int, errorCode: String, errorMessage: String)
        async throws
    {
        var properties = carried(delivery, attempt: attempts, errorCode: errorCode, errorMessage: errorMessage)
        properties.headers[MessageHeaders.deadLetteredAt] = .string(Date().formatted(.iso8601))
        properties.headers[MessageHeaders.operation] = .string(operation)
        try await publisher.publish(delivery.body, exchange: "", routingKey: deadLetterQueue, properties: properties)
        FleetMetrics.deadLetter(operation: operation, reason: errorCode)
    }

    private func send(
        _ delivery: AMQPDelivery,
        toDelayOf milliseconds: Int,
        attempt: Int,
        errorCode: String,
        errorMessage: String
    ) async throws {
        let properties = carried(delivery, attempt: attempt, errorCode: errorCode, errorMessage: errorMessage)
        try await publisher.publish(
            delivery.body,
            exchange: "",
            routingKey: schedule.queueName(delayMilliseconds: milliseconds),
            properties: properties,
            mandatory: true
        )
    }

    /// The original properties with the fleet's headers updated; RabbitMQ's own `x-death` history is dropped so
    /// that a message retried many times does not grow without bound.
    private func carried(_ delivery: AMQPDelivery, attempt: Int, errorCode: String, errorMessage: String)
        -> AMQPProperties
    {
        var properties = delivery.properties
        properties.persistent = true
        properties.expiration = nil
        properties.headers["x-death"] = nil
        properties.headers["x-first-death-exchange"] = nil
        properties.headers["x-first-death-queue"] = nil
        properties.headers["x-first-death-reason"] = nil
        properties.headers[MessageHeaders.attempt] = .int64(Int64(attempt))
        properties.headers[MessageHeaders.errorCode] = .string(errorCode)
        properties.headers[MessageHeaders.errorMessage] = .string(String(errorMessage.prefix(1000)))
        if properties.headers[MessageHeaders.originalRoutingKey] == nil {
            properties.headers[MessageHeaders.originalRoutingKey] = .string(delivery.routingKey)
        }
        if properties.headers[MessageHeaders.traceID] == nil,
            let trace = MessageHeaders.traceID(of: delivery.properties)
        {
            properties.headers[MessageHeaders.traceID] = .string(trace)
        }
        return properties
    }
}
