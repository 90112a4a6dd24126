/// What one kind of connection (admin, publisher, consumer) does on its I/O thread besides running commands.
///
/// A role lives on the I/O thread only (created there, never shared), so it may hold non-`Sendable` state.
protocol AMQPRole: AnyObject, SendableMetatype {
    /// Sets the channel up after a connect and after the channel was reopened (confirm.select, qos + consume).
    func sessionStarted(_ session: AMQPSession) throws(AMQPError)
    /// Reads at most one inbound frame or delivery, waiting only briefly.
    func readInbound(_ session: AMQPSession) throws(AMQPError)
    /// The channel or the connection ended: fail or forget everything tied to it.
    func sessionEnded(_ error: AMQPError)
    /// Periodic housekeeping, such as expiring confirms that took too long.
    func tick(now: ContinuousClock.Instant)
    /// Whether work is still in flight that a graceful close should wait for.
    var hasWorkInFlight: Bool { get }
    /// Whether a failure to set the channel up again must end the connection for good (e.g. the queue is gone).
    func shouldGiveUp(after error: AMQPError) -> Bool
    /// Called once, last, when the I/O thread ends (`nil` after a requested close).
    func finished(_ error: AMQPError?)
}

extension AMQPRole {
    func tick(now: ContinuousClock.Instant) {}
    var hasWorkInFlight: Bool { false }
    func shouldGiveUp(after error: AMQPError) -> Bool { false }
    func finished(_ error: AMQPError?) {}
}
