/// What happened to an ack, nack or reject.
package enum AMQPSettlement: Sendable, Equatable {
    /// The broker was told.
    case settled
    /// The delivery came from a connection or channel that has since closed: nothing was sent, because the broker
    /// has already requeued the message and will deliver it again (with `redelivered == true`).
    case stale
}
