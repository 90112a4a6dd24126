package import AMQPClient
import FleetRuntime
import Foundation
package import SyncCore

/// A dead-lettered message as an operator reads it: what it was about (from its body) and why it died (from the
/// headers ``MessageRouter`` wrote).
package struct DeadLetter: Sendable, Codable, Equatable {
    /// The dead-letter queue it waits in, and its place there (0 first).
    package var queue: String
    package var position: Int
    /// `upsert`, `delete` or `pull`: the header, else the queue's operation.
    package var operation: String
    package var messageID: String?
    package var portal: String?
    package var entity: String?
    package var originId: String?
    package var errorCode: String?
    package var errorMessage: String?
    package var attempts: Int
    package var traceID: String?
    package var deadLetteredAt: String?
    package var routingKey: String?
    /// The whole body, for `dead show` only.
    package var body: JSONValue?

    /// Reads a delivery taken from `queue` of the operation `operation`.
    package init(_ delivery: AMQPDelivery, queue: String, operation: String, position: Int, includeBody: Bool = false) {
        let headers = delivery.properties.headers
        let document = try? JSONValue(parsing: delivery.body)
        self.queue = queue
        self.position = position
        self.operation = headers[MessageHeaders.operation]?.stringValue ?? operation
        messageID = delivery.properties.messageID ?? document?["messageId"]?.stringValue
        portal = document?["portal"]?.stringValue
        entity = document?["entity"]?.stringValue
        originId = document?["originId"]?.stringValue
        errorCode = headers[MessageHeaders.errorCode]?.stringValue
        errorMessage = headers[MessageHeaders.errorMessage]?.stringValue
        attempts = MessageHeaders.attempt(of: delivery.properties)
        traceID = MessageHeaders.traceID(of: delivery.properties)
        deadLetteredAt = headers[MessageHeaders.deadLetteredAt]?.stringValue
        routingKey = headers[MessageHeaders.originalRoutingKey]?.stringValue ?? delivery.routingKey
        body = includeBody ? (document ?? .string(String(decoding: delivery.body, as: UTF8.self))) : nil
    }

    /// One tab-separated line for `dead list`.
    var line: String {
        [
            queue, messageID ?? "-", portal ?? "-", entity ?? "-", originId ?? "-", errorCode ?? "-", "\(attempts)",
            deadLetteredAt ?? "-", String((errorMessage ?? "").prefix(100)),
        ].joined(separator: "\t")
    }

    static let header = "queue\tmessageId\tportal\tentity\toriginId\terror\tattempts\tdeadLetteredAt\tmessage"
}
