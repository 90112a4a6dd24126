package import Foundation

/// What `syncctl status` reports: per queue its depth, consumers and rates; per operation what the ledger counts;
/// the rollback window; and whether the fleet is paused or tripped, and why. Encoded as is for `--json`.
package struct FleetStatus: Sendable, Codable, Equatable {
    /// One RabbitMQ queue of the fleet, as the management API reports it.
    package struct Queue: Sendable, Codable, Equatable {
        package var name: String
        /// Ready plus unacknowledged messages.
        package var messages: Int
        package var ready: Int
        package var unacknowledged: Int
        package var consumers: Int
        /// Messages per second over the management API's last sample (5 s by default).
        package var publishRate: Double
        package var deliverRate: Double
        package var ackRate: Double

        package init(
            name: String,
            messages: Int,
            ready: Int,
            unacknowledged: Int,
            consumers: Int,
            publishRate: Double = 0,
            deliverRate: Double = 0,
            ackRate: Double = 0
        ) {
            self.name = name
            self.messages = messages
            self.ready = ready
            self.unacknowledged = unacknowledged
            self.consumers = consumers
            self.publishRate = publishRate
            self.deliverRate = deliverRate
            self.ackRate = ackRate
        }
    }

    /// The ledger's counts for one operation, plus what waits in its dead-letter queue.
    package struct Operation: Sendable, Codable, Equatable {
        package var operation: String
        /// Changes settled: written (`done`), or found `stale` / `superseded`.
        package var processed: Int
        /// Changes that needed at least one retry (attempts > 0), whatever became of them.
        package var retried: Int
        /// Changes the ledger records as dead-lettered.
        package var dead: Int
        /// Changes still `in_progress` or `failed` (waiting for a retry).
        package var pending: Int
        /// Messages waiting in the operation's dead-letter queue now (nil when the broker was not asked).
        package var deadQueued: Int?

        package init(operation: String, processed: Int, retried: Int, dead: Int, pending: Int, deadQueued: Int? = nil) {
            self.operation = operation
            self.processed = processed
            self.retried = retried
            self.dead = dead
            self.pending = pending
            self.deadQueued = deadQueued
        }
    }

    /// The rollback trigger's view: the write error rate over its window and the contract's threshold.
    package struct WriteErrors: Sendable, Codable, Equatable {
        package var window: RollbackWindow
        package var errorRate: Double
        package var threshold: Double
        package var minimumWrites: Int
    }

    package var generatedAt: Date
    package var control: FleetControlState
    package var queues: [Queue]
    package var operations: [Operation]
    package var writeErrors: WriteErrors
    /// Why the broker's queues are missing (the management API could not be read), or nil.
    package var queuesUnavailable: String?

    package init(
        generatedAt: Date,
        control: FleetControlState,
        queues: [Queue],
        operations: [Operation],
        writeErrors: WriteErrors,
        queuesUnavailable: String? = nil
    ) {
        self.generatedAt = generatedAt
        self.control = control
        self.queues = queues
        self.operations = operations
        self.writeErrors = writeErrors
        self.queuesUnavailable = queuesUnavailable
    }
}
