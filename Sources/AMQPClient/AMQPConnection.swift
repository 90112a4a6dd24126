package import Logging

/// A connection for topology and operator work: declare, bind, inspect depth, purge, delete, `basic.get`.
///
/// Each call is one synchronous AMQP RPC, run on the connection's own I/O thread. A broker error such as a
/// missing queue (404) closes only the channel: it is thrown as `.channelClosed` and the channel is reopened for
/// the next call. A lost connection is re-established with backoff on the next call.
package final class AMQPConnection: Sendable {
    private let thread: AMQPIOThread<AMQPAdminRole>

    private init(thread: AMQPIOThread<AMQPAdminRole>) {
        self.thread = thread
    }

    deinit {
        thread.requestStop()
    }

    /// Opens the connection and its channel.
    ///
    /// - Throws: `AMQPError` (`.connectionFailed`, `.authenticationFailed`).
    package static func connect(
        configuration: AMQPConfiguration,
        logger: Logger = Logger(label: "AMQPClient", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> AMQPConnection {
        let thread = try await AMQPIOThread<AMQPAdminRole>.start(
            name: "amqp-admin",
            configuration: configuration,
            logger: logger,
            makeRole: { AMQPAdminRole() }
        )
        return AMQPConnection(thread: thread)
    }

    /// Declares an exchange (idempotent when the attributes match; 406 `.channelClosed` when they differ).
    package func declareExchange(
        _ name: String,
        type: AMQPExchangeType,
        durable: Bool = true,
        autoDelete: Bool = false,
        arguments: AMQPTable = [:]
    ) async throws {
        try await thread.perform { session, _ throws(AMQPError) in
            try session.declareExchange(
                name,
                type: type,
                durable: durable,
                autoDelete: autoDelete,
                arguments: arguments
            )
        }
    }

    package func deleteExchange(_ name: String, ifUnused: Bool = false) async throws {
        try await thread.perform { session, _ throws(AMQPError) in try session.deleteExchange(name, ifUnused: ifUnused)
        }
    }

    /// Declares a queue. Pass `["x-queue-type": .string("quorum")]` for a quorum queue, and `x-dead-letter-exchange`,
    /// `x-dead-letter-routing-key`, `x-message-ttl` (`.int64`) as needed. An empty name lets the broker choose one.
    @discardableResult
    package func declareQueue(
        _ name: String,
        durable: Bool = true,
        exclusive: Bool = false,
        autoDelete: Bool = false,
        arguments: AMQPTable = [:]
    ) async throws -> AMQPQueueState {
        try await thread.perform { session, _ throws(AMQPError) in
            try session.declareQueue(
                name,
                passive: false,
                durable: durable,
                exclusive: exclusive,
                autoDelete: autoDelete,
                arguments: arguments
            )
        }
    }

    /// Reports a queue's depth and consumer count without creating it.
    ///
    /// - Throws: `.channelClosed` with reply code 404 when the queue does not exist.
    package func declareQueuePassive(_ name: String) async throws -> AMQPQueueState {
        try await thread.perform { session, _ throws(AMQPError) in
            try session.declareQueue(
                name,
                passive: true,
                durable: false,
                exclusive: false,
                autoDelete: false,
                arguments: [:]
            )
        }
    }

    package func bindQueue(
        _ queue: String,
        exchange: String,
        routingKey: String,
        arguments: AMQPTable = [:]
    ) async throws {
        try await thread.perform { session, _ throws(AMQPError) in
            try session.bindQueue(
                queue,
                exchange: exchange,
                routingKey: routingKey,
                arguments: arguments,
                unbind: false
            )
        }
    }

    package func unbindQueue(
        _ queue: String,
        exchange: String,
        routingKey: String,
        arguments: AMQPTable = [:]
    ) async throws {
        try await thread.perform { session, _ throws(AMQPError) in
            try session.bindQueue(queue, exchange: exchange, routingKey: routingKey, arguments: arguments, unbind: true)
        }
    }

    /// Removes every ready message and returns how many there were.
    @discardableResult
    package func purgeQueue(_ name: String) async throws -> UInt32 {
        try await thread.perform { session, _ throws(AMQPError) in try session.purgeQueue(name) }
    }

    /// Deletes a queue and returns how many messages it held.
    @discardableResult
    package func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws -> UInt32 {
        try await thread.perform { session, _ throws(AMQPError) in
            try session.deleteQueue(name, ifUnused: ifUnused, ifEmpty: ifEmpty)
        }
    }

    /// Pulls one message (`basic.get`, manual ack), or nil when the queue is empty. Settle it with `ack`/`nack`.
    package func get(queue: String) async throws -> AMQPDelivery? {
        try await thread.perform { session, _ throws(AMQPError) in try session.get(queue: queue) }
    }

    @discardableResult
    package func ack(_ delivery: AMQPDelivery, multiple: Bool = false) async throws -> AMQPSettlement {
        try await settle(delivery) { session throws(AMQPError) in
            try session.ack(delivery.deliveryTag, multiple: multiple)
        }
    }

    @discardableResult
    package func nack(_ delivery: AMQPDelivery, multiple: Bool = false, requeue: Bool) async throws -> AMQPSettlement {
        try await settle(delivery) { session throws(AMQPError) in
            try session.nack(delivery.deliveryTag, multiple: multiple, requeue: requeue)
        }
    }

    @discardableResult
    package func reject(_ delivery: AMQPDelivery, requeue: Bool) async throws -> AMQPSettlement {
        try await settle(delivery) { session throws(AMQPError) in
            try session.reject(delivery.deliveryTag, requeue: requeue)
        }
    }

    /// Closes the channel and the connection; unacknowledged `get` messages go back to their queues.
    package func close() async {
        await thread.stop()
    }

    private func settle(
        _ delivery: AMQPDelivery,
        send: @escaping @Sendable (AMQPSession) throws(AMQPError) -> Void
    ) async throws -> AMQPSettlement {
        do {
            return try await thread.perform { session, _ throws(AMQPError) in
                guard delivery.channelToken == session.channelToken else { return .stale }
                try send(session)
                return .settled
            }
        } catch let error as AMQPError where error.code == .connectionLost {
            return .stale
        }
    }
}
