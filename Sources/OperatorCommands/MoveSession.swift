import AMQPClient
import FleetRuntime
import Foundation
import PQClient

/// What drain, replay and dead replay share: the fleet's queues, a database pool, an admin connection, a
/// confirming publisher and a ``QueueMover``, all closed when the command ends.
struct MoveSession {
    let queues: FleetQueues
    let pool: PQPool
    let broker: AMQPConnection
    let mover: QueueMover

    /// Opens everything, runs `body` under the fleet-wide move lock, and closes everything.
    static func run<T: Sendable>(_ context: CommandContext, _ body: (MoveSession) async throws -> T) async throws -> T {
        let definition = try context.environment.topology()
        let plan = try TopologyPlan(definition: definition, contract: try context.environment.contract())
        let queues = FleetQueues(plan: plan, definition: definition)
        let crashAfter = context.environment.integer("SYNC_MOVE_CRASH_AFTER")
        return try await context.withDatabase { pool in
            try await context.withBroker { broker in
                let publisher = try await AMQPPublisher.connect(
                    configuration: try context.environment.amqpConfiguration(),
                    logger: context.logger
                )
                do {
                    let session = MoveSession(
                        queues: queues,
                        pool: pool,
                        broker: broker,
                        mover: QueueMover(
                            broker: broker,
                            publisher: publisher,
                            pool: pool,
                            crashAfterPublishes: crashAfter
                        )
                    )
                    let result = try await QueueMover.withMoveLock(pool: pool) { try await body(session) }
                    await publisher.close()
                    return result
                } catch {
                    await publisher.close()
                    throw error
                }
            }
        }
    }

    /// The number of consumers subscribed to `queue` (0 when it does not exist).
    func consumers(of queue: String) async throws -> Int {
        do {
            return Int(try await broker.declareQueuePassive(queue).consumerCount)
        } catch let error as AMQPError where error.code == .channelClosed {
            return 0
        }
    }

    /// The number of ready messages in `queue`, or nil when it does not exist.
    func depth(of queue: String) async throws -> Int? {
        do {
            return Int(try await broker.declareQueuePassive(queue).messageCount)
        } catch let error as AMQPError where error.code == .channelClosed {
            return nil
        }
    }
}
