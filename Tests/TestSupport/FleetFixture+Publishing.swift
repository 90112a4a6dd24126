package import AMQPClient
package import SyncCore

/// Publishing to `erp.changes` as the ERP does, so that a change enters the fleet by its real front door.
extension FleetFixture {
    /// Publishes `change` persistent, as JSON, with routing key `<entity>.<op>`; `properties` default to its
    /// message id and the JSON content type, which is all the ERP is required to send.
    package func publish(_ change: ERPChange, properties: AMQPProperties? = nil) async throws {
        try await publisher.publish(
            change.jsonValue.compactBytes,
            exchange: "erp.changes",
            routingKey: "\(change.entity).\(change.op.rawValue)",
            properties: properties ?? AMQPProperties(contentType: "application/json", messageID: change.messageId),
            mandatory: true
        )
    }

    /// Publishes any body to `erp.changes`, persistent, as JSON (a malformed change, for instance).
    package func publishRaw(_ body: [UInt8], routingKey: String, messageID: String) async throws {
        try await publisher.publish(
            body,
            exchange: "erp.changes",
            routingKey: routingKey,
            properties: AMQPProperties(contentType: "application/json", messageID: messageID),
            mandatory: true
        )
    }
}
