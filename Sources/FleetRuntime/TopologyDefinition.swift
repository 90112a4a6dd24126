package import Foundation

/// `infra/rabbitmq/topology.json`: the exchanges, work queues and naming rules of the fleet's RabbitMQ topology.
///
/// The topology is data so that operators read it in one place; ``TopologyPlan`` turns it, with the contract's
/// retry rows, into the declarations `syncctl setup` makes.
package struct TopologyDefinition: Codable, Sendable, Equatable {
    package struct Exchange: Codable, Sendable, Equatable {
        package var name: String
        package var type: String
        package var durable: Bool
    }

    package struct Binding: Codable, Sendable, Equatable {
        package var exchange: String
        package var routingKey: String
    }

    package struct WorkQueue: Codable, Sendable, Equatable {
        package var name: String
        /// The contract operation whose retry row governs this queue (`upsert`, `delete`, `pull`).
        package var operation: String
        /// `quorum` or `classic`.
        package var type: String
        /// Quorum queues only: deliveries after which a message that keeps crashing its consumer is dead-lettered.
        package var deliveryLimit: Int?
        package var bindings: [Binding]
    }

    package struct Retry: Codable, Sendable, Equatable {
        package var suffix: String
        package var type: String
        /// Multipliers of an attempt's base delay; each gives its own fixed-TTL queue, so jitter needs no
        /// per-message expiry (which RabbitMQ only honours at a queue's head, blocking shorter delays behind longer).
        package var jitterSteps: [Double]
    }

    package var exchanges: [Exchange]
    package var workQueues: [WorkQueue]
    package var deadLetterSuffix: String
    package var holdSuffix: String
    package var retry: Retry

    /// Reads the topology file.
    package static func load(from url: URL) throws -> TopologyDefinition {
        do {
            return try JSONDecoder().decode(TopologyDefinition.self, from: Data(contentsOf: url))
        } catch {
            throw FleetConfigurationError(
                "cannot read the RabbitMQ topology at \(url.path): \(error); restore infra/rabbitmq/topology.json"
            )
        }
    }

    package func workQueue(forOperation operation: String) -> WorkQueue? {
        workQueues.first { $0.operation == operation }
    }

    package func deadLetterQueue(of queue: String) -> String { queue + deadLetterSuffix }
    package func holdQueue(of queue: String) -> String { queue + holdSuffix }
}
