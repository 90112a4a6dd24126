/// The admin connection: synchronous RPCs and `basic.get`, nothing pushed by the broker.
final class AMQPAdminRole: AMQPRole {
    func sessionStarted(_ session: AMQPSession) throws(AMQPError) {}

    func readInbound(_ session: AMQPSession) throws(AMQPError) {
        _ = try session.nextMethod()
    }

    func sessionEnded(_ error: AMQPError) {}
}
