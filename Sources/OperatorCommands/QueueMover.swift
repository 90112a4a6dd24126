package import AMQPClient
import FleetRuntime
import Foundation
package import PQClient
import SyncCore
import Synchronization

/// Moves messages between queues exactly once, even when the process is killed and the move is run again.
///
/// Per batch: take messages with `basic.get` (manual ack), write a journal row per message as *publishing*
/// (``QueueMoveJournal``), publish each copy with a publisher confirm and a fresh `x-sync-copy-id`, mark the rows
/// *published*, and only then acknowledge the originals. A rerun acknowledges originals whose row says published
/// without publishing again, and resolves rows left *publishing* by looking for their copy in the target before
/// moving anything. Other headers (attempt count, trace id) travel unchanged unless the move rewrites them.
///
/// One move runs fleet-wide at a time (``withMoveLock(pool:_:)``), so no two movers race for the same rows.
///
/// Two copies with the same identity in one source (an ERP that published one message id twice) are one message:
/// the second is acknowledged without a new copy and counted as already moved.
package final class QueueMover: Sendable {
    /// The header that names one copy of a message; each move gives its copy a new one.
    package static let copyHeader = "x-sync-copy-id"
    /// The advisory lock every drain, replay and dead replay holds.
    static let moveLockKey: Int64 = 0x5359_4E43_4D4F_5645  // "SYNCMOVE"

    private let broker: AMQPConnection
    private let publisher: AMQPPublisher
    private let journal: QueueMoveJournal
    private let runID: String
    private let batchSize: Int
    /// Test hook: after this many copies were confirmed, the process kills itself before marking them published
    /// (the one window where a naive mover duplicates). Set through `SYNC_MOVE_CRASH_AFTER`.
    private let crashAfterPublishes: Int?
    private let published = Atomic<Int>(0)

    package init(
        broker: AMQPConnection,
        publisher: AMQPPublisher,
        pool: PQPool,
        runID: String = UUID().uuidString.lowercased(),
        batchSize: Int = 100,
        crashAfterPublishes: Int? = nil
    ) {
        self.broker = broker
        self.publisher = publisher
        self.journal = QueueMoveJournal(pool: pool)
        self.runID = runID
        self.batchSize = max(1, batchSize)
        self.crashAfterPublishes = crashAfterPublishes
    }

    /// Runs `body` holding the fleet-wide move lock.
    ///
    /// - Throws: ``OperatorCommandError/Code/moveInProgress`` when another drain or replay holds it.
    package static func withMoveLock<T: Sendable>(pool: PQPool, _ body: () async throws -> T) async throws -> T {
        try await pool.withConnection { connection in
            guard try await connection.tryAdvisoryLock(moveLockKey) else {
                throw OperatorCommandError(
                    .moveInProgress,
                    "another drain, replay or dead replay is running; wait for it to finish, then run this again"
                )
            }
            do {
                let result = try await body()
                try await connection.advisoryUnlock(moveLockKey)
                return result
            } catch {
                _ = try? await connection.advisoryUnlock(moveLockKey)
                throw error
            }
        }
    }

    /// Moves what `move` selects from its source to its target.
    package func run(_ move: QueueMove) async throws -> QueueMoveResult {
        var result = QueueMoveResult(source: move.source, target: move.target)
        try await journal.prune()
        result.recovered = try await resolveInterrupted(source: move.source)
        var kept: [AMQPDelivery] = []
        do {
            var taken = 0
            while move.limit.map({ taken < $0 }) ?? true {
                var batch: [AMQPDelivery] = []
                while batch.count < batchSize, move.limit.map({ taken + batch.count < $0 }) ?? true,
                    let delivery = try await broker.get(queue: move.source)
                {
                    if move.select(delivery) { batch.append(delivery) } else { kept.append(delivery) }
                }
                if batch.isEmpty { break }
                taken += batch.count
                let counts = try await moveBatch(batch, move: move)
                result.moved += counts.moved
                result.alreadyMoved += counts.alreadyMoved
            }
        } catch {
            await release(kept)
            throw error
        }
        result.left = kept.count
        await release(kept)
        return result
    }

    /// The identity of a copy in its queue: the copy id an earlier move gave it, else its message id, else a
    /// digest of its routing key, headers and body.
    package static func copyKey(of delivery: AMQPDelivery) -> String {
        if let copy = delivery.properties.headers[copyHeader]?.stringValue, !copy.isEmpty { return copy }
        if let id = delivery.properties.messageID, !id.isEmpty { return "id:" + id }
        let headers = delivery.properties.headers.keys.sorted().map { "\($0)=\(delivery.properties.headers[$0]!)" }
        let text = delivery.routingKey + "\n" + headers.joined(separator: "\n") + "\n"
        return "sha256:" + PayloadHash.hexSHA256(Array(text.utf8) + delivery.body)
    }

    private func moveBatch(_ batch: [AMQPDelivery], move: QueueMove) async throws -> (moved: Int, alreadyMoved: Int) {
        let keys = batch.map(Self.copyKey)
        let known = try await journal.entries(source: move.source, copies: keys)
        var fresh: [(delivery: AMQPDelivery, entry: QueueMoveJournal.Entry)] = []
        var seen = Set<String>()
        var alreadyMoved = 0
        for (delivery, key) in zip(batch, keys) {
            if let entry = known[key] {
                guard entry.published else {
                    throw OperatorCommandError(
                        .moveFailed,
                        "the journal has an unresolved move of \(key) from \(move.source); run the command again"
                    )
                }
                alreadyMoved += 1
            } else if !seen.insert(key).inserted {
                alreadyMoved += 1  // the same copy twice in one batch: one new copy is enough
            } else {
                let entry = QueueMoveJournal.Entry(
                    sourceCopy: key,
                    targetQueue: move.target,
                    newCopy: UUID().uuidString.lowercased(),
                    messageID: delivery.properties.messageID,
                    published: false
                )
                fresh.append((delivery, entry))
            }
        }
        if !fresh.isEmpty {
            if let prepare = move.beforePublishing { try await prepare(fresh.map(\.delivery)) }
            try await journal.begin(source: move.source, fresh.map(\.entry), purpose: move.purpose, runID: runID)
            // In the source's order, all in flight at once: a move keeps the order of what it moves.
            try await publisher.publishInOrder(
                fresh.map { delivery, entry in
                    AMQPOutgoingMessage(
                        body: delivery.body,
                        exchange: "",
                        routingKey: move.target,
                        properties: copyProperties(of: delivery, newCopy: entry.newCopy, rewrite: move.rewrite),
                        mandatory: true
                    )
                }
            )
            let total = published.add(fresh.count, ordering: .relaxed).newValue
            if let crashAfterPublishes, total >= crashAfterPublishes {
                kill(getpid(), SIGKILL)
            }
            try await journal.markPublished(source: move.source, copies: fresh.map(\.entry.sourceCopy))
        }
        for delivery in batch {
            try await broker.ack(delivery)
        }
        return (fresh.count, alreadyMoved)
    }

    /// The original's properties, rewritten, stamped with the new copy id, and with the routing key it was first
    /// published with kept in a header (the copy travels through the default exchange).
    private func copyProperties(
        of delivery: AMQPDelivery,
        newCopy: String,
        rewrite: (AMQPProperties) -> AMQPProperties
    ) -> AMQPProperties {
        var properties = rewrite(delivery.properties)
        properties.persistent = true
        properties.headers["x-delivery-count"] = nil
        properties.headers[Self.copyHeader] = .string(newCopy)
        if properties.headers[MessageHeaders.originalRoutingKey] == nil, !delivery.exchange.isEmpty {
            properties.headers[MessageHeaders.originalRoutingKey] = .string(delivery.routingKey)
        }
        return properties
    }

    /// Settles the rows a killed run left *publishing*: a copy found in its target counts as published; one not
    /// found never arrived, so its row is forgotten and the original (still in the source) is moved afresh.
    ///
    /// A target with consumers (a work queue of a running fleet) is not searched: a worker may have taken the copy
    /// already. The copy is then published once more, and the workers' idempotency ledger makes the second
    /// delivery a no-op. Hold queues, and work queues of a paused fleet, have no consumers and are searched.
    private func resolveInterrupted(source: String) async throws -> Int {
        let open = try await journal.unresolved(source: source)
        guard !open.isEmpty else { return 0 }
        var found: [String] = []
        var missing: [String] = []
        for (target, entries) in Dictionary(grouping: open, by: \.targetQueue) {
            guard try await broker.declareQueuePassive(target).consumerCount == 0 else {
                missing += entries.map(\.sourceCopy)
                continue
            }
            let present = try await QueueBrowser(broker: broker).copyIDs(in: target)
            for entry in entries {
                if present.contains(entry.newCopy) {
                    found.append(entry.sourceCopy)
                } else {
                    missing.append(entry.sourceCopy)
                }
            }
        }
        try await journal.markPublished(source: source, copies: found)
        try await journal.forget(source: source, copies: missing)
        return found.count
    }

    /// Returns messages the move did not take to the source, in their order.
    private func release(_ kept: [AMQPDelivery]) async {
        guard let last = kept.max(by: { $0.deliveryTag < $1.deliveryTag }) else { return }
        _ = try? await broker.nack(last, multiple: true, requeue: true)
    }
}
