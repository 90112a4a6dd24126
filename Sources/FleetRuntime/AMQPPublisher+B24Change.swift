package import AMQPClient
import Foundation
package import SyncCore

extension AMQPPublisher {
    /// Publishes an outcome for the ERP to `b24.changes` with a confirm: routing key `<entity>.<kind>`, a message id
    /// of its own, and the trace id of the change it reports.
    package func publish(_ change: B24Change) async throws {
        try await publish(
            change.jsonValue.compactBytes,
            exchange: "b24.changes",
            routingKey: change.routingKey,
            properties: AMQPProperties(
                contentType: "application/json",
                messageID: UUID().uuidString.lowercased(),
                headers: [MessageHeaders.traceID: .string(change.traceId)]
            )
        )
    }
}
