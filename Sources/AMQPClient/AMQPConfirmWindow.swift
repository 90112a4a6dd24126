/// The publishes sent on one channel in confirm mode that the broker has not confirmed yet.
///
/// Publishes are pipelined: each gets the channel's next delivery tag and waits here until `basic.ack`
/// (possibly `multiple`, covering every tag up to it) or `basic.nack` arrives. A `basic.return` precedes the ack
/// of the message it returns, so it is recorded on that message and turns its ack into `.unroutable`.
struct AMQPConfirmWindow {
    /// One publish waiting for its confirm.
    struct Pending {
        let exchange: String
        let routingKey: String
        let messageID: String?
        let mandatory: Bool
        let deadline: ContinuousClock.Instant
        let complete: @Sendable (AMQPError?) -> Void
        var returned: AMQPError?
    }

    private var pending: [UInt64: Pending] = [:]
    /// The tag the next publish will get (tags restart at 1 on every channel).
    private(set) var nextTag: UInt64 = 1
    /// Every tag below this one is settled.
    private var lowestOpen: UInt64 = 1

    var isEmpty: Bool { pending.isEmpty }
    var count: Int { pending.count }

    /// Records a publish just sent; it gets tag `nextTag`.
    mutating func add(_ entry: Pending) {
        pending[nextTag] = entry
        nextTag += 1
    }

    /// Settles on `basic.ack` / `basic.nack`.
    mutating func confirm(tag: UInt64, multiple: Bool, acked: Bool) {
        let last = multiple && tag == 0 ? nextTag - 1 : tag
        if multiple {
            var current = lowestOpen
            while current <= last {
                if let entry = pending.removeValue(forKey: current) { settle(entry, acked: acked) }
                current += 1
            }
        } else if let entry = pending.removeValue(forKey: last) {
            settle(entry, acked: acked)
        }
        advanceLowest()
    }

    /// Marks the oldest unsettled mandatory publish that matches a `basic.return` as unroutable.
    mutating func markReturned(_ error: AMQPError, exchange: String, routingKey: String, messageID: String?) {
        var current = lowestOpen
        while current < nextTag {
            if let entry = pending[current], entry.mandatory, entry.returned == nil, entry.exchange == exchange,
                entry.routingKey == routingKey, messageID == nil || entry.messageID == messageID
            {
                pending[current]?.returned = error
                return
            }
            current += 1
        }
    }

    /// Fails the publishes whose confirm is overdue.
    mutating func expire(now: ContinuousClock.Instant) {
        while let entry = pending[lowestOpen], entry.deadline <= now {
            pending[lowestOpen] = nil
            entry.complete(
                AMQPError(
                    .timeout,
                    "RabbitMQ did not confirm the message to '\(entry.exchange)' in time; it may or may not be "
                        + "stored: retry (consumers must tolerate duplicates)"
                )
            )
            advanceLowest()
        }
    }

    /// Fails everything (the channel is gone) and restarts tags at 1 for the next channel.
    mutating func failAll(_ error: AMQPError) {
        let entries = pending.sorted { $0.key < $1.key }.map(\.value)
        pending.removeAll()
        nextTag = 1
        lowestOpen = 1
        for entry in entries { entry.complete(error) }
    }

    private mutating func advanceLowest() {
        while lowestOpen < nextTag, pending[lowestOpen] == nil { lowestOpen += 1 }
    }

    private func settle(_ entry: Pending, acked: Bool) {
        if !acked {
            entry.complete(
                AMQPError(
                    .publishNacked,
                    "RabbitMQ refused the message to '\(entry.exchange)' (basic.nack, e.g. a full queue with "
                        + "overflow reject-publish or an internal error): retry later"
                )
            )
        } else {
            entry.complete(entry.returned)
        }
    }
}
