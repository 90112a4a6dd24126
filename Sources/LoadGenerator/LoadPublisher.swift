package import AMQPClient
import Foundation

/// Publishes a scenario's messages to `erp.changes` as the ERP would (persistent JSON, publisher confirms), many
/// in flight at once, and remembers when each was confirmed for the end-to-end latency.
package struct LoadPublisher: Sendable {
    private let publisher: AMQPPublisher
    private let window: Int

    package init(publisher: AMQPPublisher, window: Int = 500) {
        self.publisher = publisher
        self.window = window
    }

    /// Publishes every message; returns each message id's publish time (seconds since 1970).
    package func publish(_ messages: [ChangeScenario.Message]) async throws -> [String: Double] {
        var published: [String: Double] = [:]
        var index = 0
        while index < messages.count {
            let slice = messages[index..<min(index + window, messages.count)]
            let times = try await withThrowingTaskGroup(of: (String, Double).self) { group in
                for message in slice {
                    group.addTask {
                        let sentAt = Date().timeIntervalSince1970
                        try await publisher.publish(
                            message.body,
                            exchange: "erp.changes",
                            routingKey: message.routingKey,
                            properties: AMQPProperties(
                                contentType: "application/json",
                                messageID: message.messageID,
                                timestamp: Date()
                            )
                        )
                        return (message.messageID, sentAt)
                    }
                }
                var times: [(String, Double)] = []
                for try await time in group { times.append(time) }
                return times
            }
            for (id, time) in times { published[id] = time }
            index += slice.count
        }
        return published
    }
}
