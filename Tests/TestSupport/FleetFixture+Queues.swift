package import AMQPClient
import FleetRuntime

/// The queues of one operation, named as the topology and the plan name them.
package struct OperationQueues: Sendable {
    /// The work queue, e.g. `sync.upsert`.
    package var work: String
    /// Where messages go that exhausted their retries or cannot be processed.
    package var dead: String
    /// Every retry delay queue of the plan's backoff.
    package var delays: [String]
}

/// Reading the broker's queues the way an operator's tools would, to check what waits where.
extension FleetFixture {
    /// The queues of `operation` (`upsert`, `delete`, `pull`).
    package func queues(of operation: String) -> OperationQueues {
        let work = topology.workQueue(forOperation: operation)?.name ?? "sync.\(operation)"
        let schedule = plan.retrySchedules[operation]
        return OperationQueues(
            work: work,
            dead: topology.deadLetterQueue(of: work),
            delays: schedule.map { schedule in schedule.allDelays.map { schedule.queueName(delayMilliseconds: $0) } }
                ?? []
        )
    }

    package var upsertQueues: OperationQueues { queues(of: "upsert") }
    package var upsertDeadLetterQueue: String { upsertQueues.dead }
    package var deleteDeadLetterQueue: String { queues(of: "delete").dead }

    /// The queue's depth and consumer count.
    package func state(of queue: String) async throws -> AMQPQueueState {
        try await admin.declareQueuePassive(queue)
    }

    /// Messages waiting in `queue`.
    package func depth(_ queue: String) async throws -> Int {
        Int(try await state(of: queue).messageCount)
    }

    /// Takes every message waiting in `queue` (acknowledging it).
    package func drain(_ queue: String) async throws -> [AMQPDelivery] {
        var deliveries: [AMQPDelivery] = []
        while let delivery = try await admin.get(queue: queue) {
            try await admin.ack(delivery)
            deliveries.append(delivery)
        }
        return deliveries
    }

    /// The message ids waiting in `queue`, read by taking each and returning it (only while nothing consumes).
    package func messageIDs(waitingIn queue: String) async throws -> [String] {
        var taken: [AMQPDelivery] = []
        while let delivery = try await admin.get(queue: queue) { taken.append(delivery) }
        for delivery in taken { _ = try await admin.nack(delivery, requeue: true) }
        return taken.compactMap(\.properties.messageID)
    }
}
