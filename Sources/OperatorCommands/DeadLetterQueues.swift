import AMQPClient
import FleetRuntime
import PQClient
import SyncCore

/// What the `dead` subcommands do with the dead-letter queues, over one admin connection.
struct DeadLetterQueues {
    let queues: FleetQueues
    let broker: AMQPConnection

    /// The families whose operation the selector allows.
    func families(for selector: DeadLetterSelector) -> [FleetQueues.Family] {
        queues.families.filter { family in selector.operation.map { $0 == family.operation } ?? true }
    }

    /// The dead letters the selector matches, in queue order, at most `limit`; nothing is taken from the queues.
    func list(_ selector: DeadLetterSelector, limit: Int?, includeBody: Bool = false) async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        for family in families(for: selector) {
            let browsed = try await QueueBrowser(broker: broker).messages(in: family.dead)
            for (position, delivery) in browsed.enumerated() {
                let letter = DeadLetter(
                    delivery,
                    queue: family.dead,
                    operation: family.operation,
                    position: position,
                    includeBody: includeBody
                )
                if selector.matches(letter) { letters.append(letter) }
            }
        }
        return limit.map { Array(letters.prefix($0)) } ?? letters
    }

    /// Acknowledges (deletes) the selected dead letters, at most `limit`; the others stay, in their order.
    func purge(_ selector: DeadLetterSelector, limit: Int?) async throws -> [String: Int] {
        var purged: [String: Int] = [:]
        var remaining = limit ?? Int.max
        for family in families(for: selector) {
            var kept: [AMQPDelivery] = []
            var position = 0
            do {
                while remaining > 0, let delivery = try await broker.get(queue: family.dead) {
                    let letter = DeadLetter(
                        delivery,
                        queue: family.dead,
                        operation: family.operation,
                        position: position
                    )
                    position += 1
                    if selector.matches(letter) {
                        try await broker.ack(delivery)
                        purged[family.dead, default: 0] += 1
                        remaining -= 1
                    } else {
                        kept.append(delivery)
                    }
                }
            } catch {
                if let last = kept.last { _ = try? await broker.nack(last, multiple: true, requeue: true) }
                throw error
            }
            if let last = kept.last { try await broker.nack(last, multiple: true, requeue: true) }
        }
        return purged
    }
}

/// A dead letter's copy for its work queue: the attempt count starts afresh and the last failure is forgotten (the
/// trace id and the original routing key stay).
enum DeadLetterReplay {
    static let droppedHeaders = [
        MessageHeaders.attempt, MessageHeaders.errorCode, MessageHeaders.errorMessage, MessageHeaders.deadLetteredAt,
        MessageHeaders.operation, "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
    ]

    static func rewrite(_ properties: AMQPProperties) -> AMQPProperties {
        var copy = properties
        for header in droppedHeaders { copy.headers[header] = nil }
        return copy
    }

    /// Reopens the ledger keys the messages left `dead`, so that the workers apply the replayed change instead of
    /// acknowledging it as already decided. Runs before the copies are published: an interruption in between
    /// leaves a reopened key and the dead letter in place, and the next replay publishes it.
    static func reopenLedgerKeys(of deliveries: [AMQPDelivery], pool: PQPool) async throws {
        let ids = deliveries.compactMap(\.properties.messageID)
        guard !ids.isEmpty else { return }
        let json = JSONValue.array(ids.map { .string($0) }).compactString
        try await pool.execute(
            """
            UPDATE sync_ledger SET status = 'failed', error_code = 'replayed',
                error_message = 'dead letter replayed by syncctl', updated_at = now()
            WHERE status = 'dead' AND message_id IN (SELECT jsonb_array_elements_text(\(json)::jsonb))
            """
        )
    }
}
