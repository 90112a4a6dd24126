package import AMQPClient
import FleetRuntime
import SyncCore

/// Publishes pull work to `b24.events` with a publisher confirm: it returns only once the broker holds the message.
package struct PortalEventPublisher: Sendable {
    package static let exchange = "b24.events"

    private let publisher: AMQPPublisher

    package init(publisher: AMQPPublisher) {
        self.publisher = publisher
    }

    /// Publishes `message` (persistent JSON) under `routingKey`, with `messageID` for tracing duplicates.
    package func publish(_ message: PortalEventMessage, routingKey: String, messageID: String) async throws {
        try await publish(
            body: message.jsonValue.compactBytes,
            routingKey: routingKey,
            messageID: messageID,
            traceID: message.traceId
        )
    }

    /// Publishes an already encoded body (the gateway's outbox keeps the exact bytes it accepted).
    package func publish(body: [UInt8], routingKey: String, messageID: String, traceID: String) async throws {
        try await publisher.publish(
            body,
            exchange: Self.exchange,
            routingKey: routingKey,
            properties: AMQPProperties(
                contentType: "application/json",
                messageID: messageID,
                headers: [MessageHeaders.traceID: .string(traceID)]
            ),
            mandatory: true
        )
    }
}
