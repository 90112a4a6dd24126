internal import CRabbitMQ
import Glibc
import Synchronization

/// A process-wide counter, so every channel incarnation has a token that no other channel ever had.
private let channelTokenSource = Atomic<UInt64>(0)

/// One librabbitmq connection and its channel 1.
///
/// Not `Sendable` and not thread-safe: the I/O thread that opens it is the only one that ever touches it, and
/// destroys it before exiting (librabbitmq forbids sharing a connection between threads). Every C status and
/// RPC reply is turned into an `AMQPError` here, and a broker-initiated `channel.close` / `connection.close` is
/// answered with its `close-ok` before the error is thrown.
final class AMQPSession {
    static let channel: amqp_channel_t = 1

    let state: amqp_connection_state_t
    let scratch = AMQPScratchPool()
    /// The token of the current channel incarnation; deliveries carry it.
    private(set) var channelToken: UInt64 = 0
    private(set) var isChannelOpen = false
    /// False once the socket or the connection is unusable; the owner must then destroy the session.
    private(set) var isAlive = true
    private var isDestroyed = false

    private init(state: amqp_connection_state_t) {
        self.state = state
    }

    deinit {
        assert(isDestroyed, "an AMQPSession must be closed or destroyed on its own thread")
    }

    /// Connects, logs in and opens channel 1, each step bounded by the configured timeouts.
    static func open(_ configuration: AMQPConfiguration) throws(AMQPError) -> AMQPSession {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, "librabbitmq could not allocate a connection (out of memory)")
        }
        let session = AMQPSession(state: state)
        do {
            try session.connect(configuration)
            try session.openChannel()
            return session
        } catch {
            session.destroy()
            throw error
        }
    }

    private func connect(_ configuration: AMQPConfiguration) throws(AMQPError) {
        let endpoint = "\(configuration.host):\(configuration.port)"
        guard let socket = amqp_tcp_socket_new(state) else {
            throw AMQPError(.connectionFailed, "librabbitmq could not create a TCP socket for \(endpoint)")
        }
        var connectTimeout = timeval(configuration.connectTimeout)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &connectTimeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            isAlive = false
            throw AMQPError(
                .connectionFailed,
                "cannot reach RabbitMQ at \(endpoint) (\(AMQPStatus.describe(status))): check that the broker "
                    + "is running and that AMQP_URL points to it",
                scope: .connection,
                libraryStatus: status
            )
        }
        var handshakeTimeout = timeval(configuration.connectTimeout)
        var rpcTimeout = timeval(configuration.rpcTimeout)
        amqp_set_handshake_timeout(state, &handshakeTimeout)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        let heartbeat = Int32(clamping: configuration.heartbeat.components.seconds)
        var clientProperties: AMQPTable = [
            "capabilities": .table([
                "consumer_cancel_notify": .bool(true),
                "authentication_failure_close": .bool(true),
                "publisher_confirms": .bool(true),
                "basic.nack": .bool(true),
            ])
        ]
        if let name = configuration.connectionName { clientProperties["connection_name"] = .string(name) }
        var properties = AMQPTableCodec.encode(clientProperties, in: scratch)
        defer { scratch.recycle() }
        let reply = camqp_login_plain_with_properties(
            state,
            configuration.virtualHost,
            0,
            131_072,
            heartbeat,
            &properties,
            configuration.user,
            configuration.password
        )
        try checkLogin(reply, configuration: configuration, endpoint: endpoint)
    }

    private func checkLogin(
        _ reply: amqp_rpc_reply_t,
        configuration: AMQPConfiguration,
        endpoint: String
    ) throws(AMQPError) {
        let who = "user '\(configuration.user)' on vhost '\(configuration.virtualHost)' at \(endpoint)"
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD:
            isAlive = false
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let text = AMQPTableCodec.string(close.reply_text)
            let refused = close.reply_code == 403 || close.reply_code == 530
            throw AMQPError(
                refused ? .authenticationFailed : .connectionFailed,
                refused
                    ? "RabbitMQ refused \(who): check the user, the password, that the vhost exists and that the "
                        + "user has permissions on it"
                    : "RabbitMQ closed the connection during login for \(who)",
                scope: .connection,
                replyCode: close.reply_code,
                replyText: text
            )
        case AMQP_RESPONSE_LIBRARY_EXCEPTION
        where reply.library_error == AMQP_STATUS_CONNECTION_CLOSED.rawValue
            || reply.library_error == AMQP_STATUS_SOCKET_CLOSED.rawValue:
            isAlive = false
            throw AMQPError(
                .authenticationFailed,
                "RabbitMQ closed the socket during login of \(who), which it does for a wrong user or password: "
                    + "check the credentials in AMQP_URL",
                scope: .connection,
                libraryStatus: reply.library_error
            )
        default:
            isAlive = false
            throw AMQPError(
                .connectionFailed,
                "the AMQP handshake with \(endpoint) failed (\(describe(reply))): check that the port is RabbitMQ's "
                    + "AMQP port",
                scope: .connection,
                libraryStatus: reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? reply.library_error : nil
            )
        }
    }

    /// Opens channel 1 (again, after the broker closed it) under a new token.
    func openChannel() throws(AMQPError) {
        amqp_channel_open(state, Self.channel)
        try checkRPC("channel.open")
        isChannelOpen = true
        channelToken = channelTokenSource.add(1, ordering: .relaxed).newValue
    }

    /// The socket's file descriptor, for `poll`.
    var socketDescriptor: Int32 { amqp_get_sockfd(state) }

    /// Whether librabbitmq already holds input that `poll` on the socket would not report.
    var hasBufferedInput: Bool {
        amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0
    }

    /// Throws unless the last RPC succeeded; see `check(_:_:)`.
    func checkRPC(_ what: String) throws(AMQPError) {
        try check(amqp_get_rpc_reply(state), what)
    }

    /// Turns an RPC reply into a throw; answers a broker close with its close-ok first.
    func check(_ reply: amqp_rpc_reply_t, _ what: String) throws(AMQPError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            throw brokerClosed(reply.reply, during: what)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw libraryFailure(reply.library_error, during: what)
        default:
            isAlive = false
            throw AMQPError(.protocolError, "\(what) got no reply from librabbitmq", scope: .connection)
        }
    }

    /// Throws unless a non-RPC call (publish, ack, ...) succeeded.
    func check(status: Int32, _ what: String) throws(AMQPError) {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        throw libraryFailure(status, during: what)
    }

    /// The error for a library failure; every such failure leaves the connection unusable.
    func libraryFailure(_ status: Int32, during what: String) -> AMQPError {
        isAlive = false
        let timedOut = status == AMQP_STATUS_TIMEOUT.rawValue
        return AMQPError(
            timedOut ? .timeout : .connectionLost,
            timedOut
                ? "\(what) got no answer from RabbitMQ in time; the connection is being re-established, retry"
                : "the connection to RabbitMQ failed during \(what) (\(AMQPStatus.describe(status))); it is being "
                    + "re-established, retry the operation",
            scope: .connection,
            libraryStatus: status
        )
    }

    /// Handles a `channel.close` or `connection.close` method from the broker and returns the matching error.
    func brokerClosed(_ method: amqp_method_t, during what: String) -> AMQPError {
        switch method.id {
        case AMQP_CHANNEL_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let text = AMQPTableCodec.string(close.reply_text)
            var closeOK = amqp_channel_close_ok_t()
            let status = amqp_send_method(state, Self.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &closeOK)
            if status != AMQP_STATUS_OK.rawValue { isAlive = false }
            isChannelOpen = false
            return AMQPError(
                .channelClosed,
                "RabbitMQ closed the channel during \(what) with \(close.reply_code) \(text): fix the request "
                    + "(e.g. declare the missing queue or exchange) before retrying",
                scope: .channel,
                replyCode: close.reply_code,
                replyText: text
            )
        case AMQP_CONNECTION_CLOSE_METHOD:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let text = AMQPTableCodec.string(close.reply_text)
            var closeOK = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &closeOK)
            isAlive = false
            isChannelOpen = false
            return AMQPError(
                .connectionLost,
                "RabbitMQ closed the connection during \(what) with \(close.reply_code) \(text); it is being "
                    + "re-established, retry the operation",
                scope: .connection,
                replyCode: close.reply_code,
                replyText: text
            )
        default:
            isAlive = false
            return AMQPError(
                .protocolError,
                "RabbitMQ answered \(what) with unexpected method 0x\(String(method.id, radix: 16))",
                scope: .connection
            )
        }
    }

    /// Marks the session unusable (e.g. after this client saw something it cannot recover from).
    func markDead() {
        isAlive = false
    }

    /// Closes the channel and the connection politely when still possible, then frees the handle.
    func close() {
        if isAlive {
            if isChannelOpen {
                _ = amqp_channel_close(state, Self.channel, Int32(AMQP_REPLY_SUCCESS))
            }
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        destroy()
    }

    /// Frees the handle without talking to the broker (which then requeues unacknowledged deliveries).
    func destroy() {
        guard !isDestroyed else { return }
        isDestroyed = true
        isAlive = false
        isChannelOpen = false
        amqp_destroy_connection(state)
    }

    /// Test hook: uses channel 2, which was never opened, so RabbitMQ closes the whole connection (504) just as it
    /// sends `connection.close` (320) to every client when it shuts down for a restart.
    func provokeConnectionCloseByBroker() {
        var qos = amqp_basic_qos_t(prefetch_size: 0, prefetch_count: 1, global: 0)
        _ = amqp_send_method(state, 2, AMQP_BASIC_QOS_METHOD, &qos)
    }

    /// Test hook: shuts the socket down under librabbitmq, as a network failure would.
    func breakSocket() {
        let descriptor = socketDescriptor
        if descriptor >= 0 { Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    private func describe(_ reply: amqp_rpc_reply_t) -> String {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION: AMQPStatus.describe(reply.library_error)
        case AMQP_RESPONSE_SERVER_EXCEPTION: "broker method 0x\(String(reply.reply.id, radix: 16))"
        default: "no reply"
        }
    }
}
