/// One message received from a queue, by a consumer or by `basic.get`.
///
/// The delivery tag only means something on the channel that delivered it. `channelToken` names that channel
/// incarnation, so an ack for a delivery from a connection that has since died becomes a reported no-op
/// (the broker has already requeued that message and will redeliver it with `redelivered == true`).
package struct AMQPDelivery: Sendable {
    package let body: [UInt8]
    package let properties: AMQPProperties
    package let exchange: String
    package let routingKey: String
    /// True when the broker delivered this message before (to this or another consumer) without a final ack.
    package let redelivered: Bool
    package let deliveryTag: UInt64
    /// How many messages were left in the queue; only known for `basic.get`.
    package let messageCount: UInt32?
    /// The channel incarnation that delivered the message.
    let channelToken: UInt64

    /// Names one delivery among all a process receives: its tag on the channel incarnation that delivered it.
    package struct Identity: Hashable, Sendable {
        let channelToken: UInt64
        let deliveryTag: UInt64
    }

    /// This delivery's identity, for keeping what was learned from it while it waits.
    package var identity: Identity { Identity(channelToken: channelToken, deliveryTag: deliveryTag) }
}
