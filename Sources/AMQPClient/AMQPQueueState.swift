/// A queue's depth and consumer count, as `queue.declare` reports them.
package struct AMQPQueueState: Sendable, Equatable {
    package let name: String
    /// Messages ready for delivery (not counting unacknowledged ones).
    package let messageCount: UInt32
    package let consumerCount: UInt32
}
