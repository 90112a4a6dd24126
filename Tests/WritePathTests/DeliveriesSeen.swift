import AMQPClient
import Synchronization

/// Deliveries collected across polls.
final class DeliveriesSeen: Sendable {
    private let deliveries = Mutex<[AMQPDelivery]>([])

    func add(_ more: [AMQPDelivery]) {
        deliveries.withLock { $0 += more }
    }

    var all: [AMQPDelivery] { deliveries.withLock { $0 } }
    var count: Int { deliveries.withLock { $0.count } }
}
