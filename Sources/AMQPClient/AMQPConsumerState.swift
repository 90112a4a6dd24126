import Synchronization

/// What the consumer's async façade and its I/O thread share: the stop flag and the count of deliveries handed
/// out but not yet settled, which a graceful close waits for.
final class AMQPConsumerState: Sendable {
    let stopRequested = Atomic<Bool>(false)
    let unsettled = Atomic<Int>(0)
}
