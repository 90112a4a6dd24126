package import AMQPClient

/// Collects deliveries from one consumer and hands them out in batches: a batch starts with the first waiting
/// delivery and takes whatever else arrives within a short linger, up to its maximum. Batching matters because a
/// Bitrix24 `batch` request carries up to 50 changes for the price of one request against the portal's limit.
package actor DeliveryBuffer {
    private var waiting: [AMQPDelivery] = []
    private var finished = false
    private var consumers: [CheckedContinuation<Void, Never>] = []

    package init() {}

    package func push(_ delivery: AMQPDelivery) {
        waiting.append(delivery)
        wakeAll()
    }

    /// No more deliveries will come: batches drain what is left, then ``nextBatch(maximum:linger:)`` returns nil.
    package func finish() {
        finished = true
        wakeAll()
    }

    /// The next batch, or nil once the buffer is finished and empty.
    package func nextBatch(maximum: Int, linger: Duration) async -> [AMQPDelivery]? {
        while waiting.isEmpty {
            if finished { return nil }
            await withCheckedContinuation { consumers.append($0) }
        }
        if waiting.count < maximum, !finished {
            try? await Task.sleep(for: linger)
        }
        let batch = Array(waiting.prefix(maximum))
        waiting.removeFirst(batch.count)
        return batch.isEmpty ? await nextBatch(maximum: maximum, linger: linger) : batch
    }

    /// Up to `limit` waiting deliveries, left in place: a processor looks ahead at them (to look many items up on
    /// the portal in one request) without taking them from other lanes. (Batches other lanes already hold are not
    /// shown: their items are being written, so a look-up of them would only come back inconclusive.)
    package func peek(limit: Int) -> [AMQPDelivery] {
        Array(waiting.prefix(limit))
    }

    /// Everything not yet handed out (to return to the broker at shutdown).
    package func takeAll() -> [AMQPDelivery] {
        defer { waiting.removeAll() }
        return waiting
    }

    private func wakeAll() {
        let waking = consumers
        consumers.removeAll()
        for consumer in waking { consumer.resume() }
    }
}
