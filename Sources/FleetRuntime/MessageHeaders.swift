package import AMQPClient
import Foundation

/// The AMQP headers the fleet adds to a message as it travels: its attempt count, trace id, and why it was retried
/// or dead-lettered. Every worker and `syncctl dead` read them with these names.
package enum MessageHeaders {
    /// Retries already spent (0 on first delivery); travels with the message through the delay queues.
    package static let attempt = "x-sync-attempt"
    /// The trace id from the ERP's publish (or the gateway's receipt), carried to the portal call and the ledger.
    package static let traceID = "x-trace-id"
    /// The routing key the message was first published with (`deal.upsert`), kept across delay queues.
    package static let originalRoutingKey = "x-original-routing-key"
    /// The portal or validation error code of the last failure (`QUERY_LIMIT_EXCEEDED`, `schema`).
    package static let errorCode = "x-error-code"
    /// A sentence a person understands: what went wrong last.
    package static let errorMessage = "x-error-message"
    /// When the message was dead-lettered (ISO 8601).
    package static let deadLetteredAt = "x-dead-lettered-at"
    /// Which worker operation dead-lettered it (`upsert`, `delete`, `pull`).
    package static let operation = "x-sync-operation"

    /// The attempt count of `properties`, 0 when absent or unreadable.
    package static func attempt(of properties: AMQPProperties) -> Int {
        properties.headers[attempt]?.int64Value.map { Int($0) } ?? 0
    }

    /// The trace id of `properties`, falling back to the message id, else nil.
    package static func traceID(of properties: AMQPProperties) -> String? {
        properties.headers[traceID]?.stringValue ?? properties.messageID
    }
}
