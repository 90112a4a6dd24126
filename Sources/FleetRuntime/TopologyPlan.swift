package import SyncCore

/// Every exchange, queue and binding the fleet needs, derived from ``TopologyDefinition`` and the contract's retry
/// rows; `syncctl setup` declares them (idempotently: RabbitMQ accepts a re-declaration with equal arguments).
package struct TopologyPlan: Sendable, Equatable {
    /// A queue argument value: RabbitMQ's `x-` arguments are strings or integers.
    package enum Argument: Sendable, Equatable {
        case string(String)
        case integer(Int)
    }

    package struct Queue: Sendable, Equatable {
        package var name: String
        package var arguments: [String: Argument]
    }

    package struct Binding: Sendable, Equatable {
        package var queue: String
        package var exchange: String
        package var routingKey: String
    }

    package var exchanges: [TopologyDefinition.Exchange]
    package var queues: [Queue]
    package var bindings: [Binding]
    /// The retry schedule of each work queue, by operation name.
    package var retrySchedules: [String: RetrySchedule]

    package init(definition: TopologyDefinition, contract: IntegrationContract) throws {
        exchanges = definition.exchanges
        queues = []
        bindings = []
        retrySchedules = [:]
        for work in definition.workQueues {
            guard let operation = SyncOperation(rawValue: work.operation) else {
                throw FleetConfigurationError(
                    "topology queue \(work.name) names operation '\(work.operation)', which the contract lacks"
                )
            }
            let deadLetter = definition.deadLetterQueue(of: work.name)
            var arguments: [String: Argument] = [
                "x-queue-type": .string(work.type),
                // A message rejected without requeue, or over the delivery limit, still lands with its peers.
                "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string(deadLetter),
            ]
            if let limit = work.deliveryLimit, work.type == "quorum" { arguments["x-delivery-limit"] = .integer(limit) }
            queues.append(Queue(name: work.name, arguments: arguments))
            queues.append(Queue(name: deadLetter, arguments: ["x-queue-type": .string(work.type)]))
            queues.append(
                Queue(name: definition.holdQueue(of: work.name), arguments: ["x-queue-type": .string(work.type)])
            )
            for binding in work.bindings {
                bindings.append(Binding(queue: work.name, exchange: binding.exchange, routingKey: binding.routingKey))
            }
            let schedule = RetrySchedule(
                workQueue: work.name,
                policy: contract.retryPolicy(for: operation),
                jitterSteps: definition.retry.jitterSteps,
                suffix: definition.retry.suffix
            )
            retrySchedules[work.operation] = schedule
            for delay in schedule.allDelays {
                queues.append(
                    Queue(
                        name: schedule.queueName(delayMilliseconds: delay),
                        arguments: [
                            "x-queue-type": .string(definition.retry.type),
                            "x-message-ttl": .integer(delay),
                            "x-dead-letter-exchange": .string(""),
                            "x-dead-letter-routing-key": .string(work.name),
                        ]
                    )
                )
            }
        }
    }
}
