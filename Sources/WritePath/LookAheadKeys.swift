import AMQPClient
import SyncCore
import Synchronization

/// The item each waiting delivery would upsert, read from its body once.
///
/// A delivery waits through several batches, and each batch looks ahead at the waiting ones; parsing every waiting
/// body again for every batch cost more than the writes themselves.
final class LookAheadKeys: Sendable {
    /// What a waiting upsert names: enough to look its item up on the portal.
    struct Key: Sendable {
        var portal: String
        var entity: String
        var originId: String
    }

    private let known = Mutex<[AMQPDelivery.Identity: Key?]>([:])

    /// The keys of `deliveries`, in their order, skipping those that are not upserts (or not JSON); only the
    /// deliveries asked about last are remembered, so the memory follows the buffer.
    func keys(of deliveries: [AMQPDelivery]) -> [Key] {
        let remembered = known.withLock { $0 }
        var current: [AMQPDelivery.Identity: Key?] = [:]
        current.reserveCapacity(deliveries.count)
        var keys: [Key] = []
        for delivery in deliveries {
            let key = remembered[delivery.identity] ?? Self.key(of: delivery)
            current[delivery.identity] = .some(key)
            if let key { keys.append(key) }
        }
        known.withLock { $0 = current }
        return keys
    }

    private static func key(of delivery: AMQPDelivery) -> Key? {
        guard let document = try? JSONValue(parsing: delivery.body), document["op"]?.stringValue == "upsert",
            let portal = document["portal"]?.stringValue, let entity = document["entity"]?.stringValue,
            let originId = document["originId"]?.stringValue
        else { return nil }
        return Key(portal: portal, entity: entity, originId: originId)
    }
}
