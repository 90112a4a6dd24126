package import AMQPClient

/// Reads a queue without taking anything from it: every message is fetched with `basic.get` and held
/// unacknowledged, then all are returned at once with one `basic.nack(multiple, requeue)`, which puts them back in
/// their order. A browser killed half-way loses nothing either: the broker returns unacknowledged messages when the
/// connection drops.
package struct QueueBrowser: Sendable {
    private let broker: AMQPConnection

    package init(broker: AMQPConnection) {
        self.broker = broker
    }

    /// Every message waiting in `queue`, in queue order, left in place.
    package func messages(in queue: String) async throws -> [AMQPDelivery] {
        var held: [AMQPDelivery] = []
        do {
            while let delivery = try await broker.get(queue: queue) {
                held.append(delivery)
            }
        } catch {
            if let last = held.last { _ = try? await broker.nack(last, multiple: true, requeue: true) }
            throw error
        }
        if let last = held.last { try await broker.nack(last, multiple: true, requeue: true) }
        return held
    }

    /// The `x-sync-copy-id` of every message in `queue`.
    package func copyIDs(in queue: String) async throws -> Set<String> {
        Set(try await messages(in: queue).compactMap { $0.properties.headers[QueueMover.copyHeader]?.stringValue })
    }
}
