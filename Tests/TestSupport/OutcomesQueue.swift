package import AMQPClient
import Foundation
package import SyncCore
import Synchronization
import Testing

/// A queue of the test's own bound to `b24.changes` with `#`: it keeps every outcome the fleet publishes, so that a
/// test can check what the ERP would be told. It lives in the harness's private virtual host and goes with it.
package final class OutcomesQueue: Sendable {
    private let name: String
    private let admin: AMQPConnection
    private let schema: JSONSchemaValidator
    private let received = Mutex<[B24Change]>([])

    private init(name: String, admin: AMQPConnection, schema: JSONSchemaValidator) {
        self.name = name
        self.admin = admin
        self.schema = schema
    }

    /// Declares the queue and binds it before any worker runs, so that no outcome is missed.
    package static func declare(on admin: AMQPConnection) async throws -> OutcomesQueue {
        let name = "test.outcomes"
        try await admin.declareQueue(name, durable: false, autoDelete: false)
        try await admin.bindQueue(name, exchange: "b24.changes", routingKey: "#")
        let schema = try JSONSchemaValidator.load(
            from: TestEnvironment.schemasFolder.appendingPathComponent("b24.change.v1.schema.json")
        )
        return OutcomesQueue(name: name, admin: admin, schema: schema)
    }

    /// Everything published on `b24.changes` since the queue was declared, for `portal`.
    ///
    /// Each body must be a valid `b24.change.v1`; one that is not fails the test.
    package func outcomes(portal: String) async throws -> [B24Change] {
        while let delivery = try await admin.get(queue: name) {
            try await admin.ack(delivery)
            let violations = schema.validate(bytes: delivery.body)
            #expect(
                violations.isEmpty,
                "a b24.changes message breaks b24.change.v1: \(violations.map(\.description))"
            )
            let change = try B24Change.decode(from: Data(delivery.body))
            received.withLock { $0.append(change) }
        }
        return received.withLock { all in all.filter { $0.portal == portal } }
    }

    /// Every outcome taken from the queue so far, of every portal (what is still waiting in it is not read).
    package var collected: [B24Change] { received.withLock { $0 } }
}
