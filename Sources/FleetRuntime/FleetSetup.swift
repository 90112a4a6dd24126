package import AMQPClient
package import Foundation
package import Logging
package import PQClient

/// `syncctl setup`: applies the SQL migrations and declares the RabbitMQ topology. Both steps are idempotent and
/// safe to run from several hosts at once (the migrator serialises on an advisory lock; RabbitMQ accepts equal
/// re-declarations).
package struct FleetSetup: Sendable {
    package struct Report: Sendable, Codable {
        package var appliedMigrations: [String]
        package var exchanges: Int
        package var queues: Int
        package var bindings: Int
    }

    package var plan: TopologyPlan
    package var logger: Logger

    package init(plan: TopologyPlan, logger: Logger) {
        self.plan = plan
        self.logger = logger
    }

    package func run(pool: PQPool, migrations: URL, broker: AMQPConnection) async throws -> Report {
        let applied = try await PQMigrator(pool: pool, directory: migrations, logger: logger).migrate()
        try await declare(on: broker)
        return Report(
            appliedMigrations: applied,
            exchanges: plan.exchanges.count,
            queues: plan.queues.count,
            bindings: plan.bindings.count
        )
    }

    /// Declares every exchange, queue and binding of the plan.
    package func declare(on broker: AMQPConnection) async throws {
        for exchange in plan.exchanges {
            guard let type = AMQPExchangeType(rawValue: exchange.type) else {
                throw FleetConfigurationError("exchange \(exchange.name) has unknown type '\(exchange.type)'")
            }
            try await broker.declareExchange(exchange.name, type: type, durable: exchange.durable)
        }
        for queue in plan.queues {
            try await broker.declareQueue(queue.name, durable: true, arguments: queue.arguments.mapValues(\.amqpValue))
        }
        for binding in plan.bindings {
            try await broker.bindQueue(binding.queue, exchange: binding.exchange, routingKey: binding.routingKey)
        }
        logger.info(
            "topology declared",
            metadata: [
                "exchanges": "\(plan.exchanges.count)", "queues": "\(plan.queues.count)",
                "bindings": "\(plan.bindings.count)",
            ]
        )
    }
}

extension TopologyPlan.Argument {
    var amqpValue: AMQPFieldValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .int64(Int64(number))
        }
    }
}
