internal import CRabbitMQ

/// The AMQP methods, as synchronous calls on the owning I/O thread. Each recycles the scratch pool afterwards.
extension AMQPSession {
    func declareExchange(
        _ name: String,
        type: AMQPExchangeType,
        durable: Bool,
        autoDelete: Bool,
        arguments: AMQPTable
    ) throws(AMQPError) {
        defer { scratch.recycle() }
        amqp_exchange_declare(
            state,
            Self.channel,
            scratch.bytes(name),
            scratch.bytes(type.rawValue),
            0,
            durable ? 1 : 0,
            autoDelete ? 1 : 0,
            0,
            AMQPTableCodec.encode(arguments, in: scratch)
        )
        try checkRPC("exchange.declare '\(name)'")
    }

    func deleteExchange(_ name: String, ifUnused: Bool) throws(AMQPError) {
        defer { scratch.recycle() }
        amqp_exchange_delete(state, Self.channel, scratch.bytes(name), ifUnused ? 1 : 0)
        try checkRPC("exchange.delete '\(name)'")
    }

    func declareQueue(
        _ name: String,
        passive: Bool,
        durable: Bool,
        exclusive: Bool,
        autoDelete: Bool,
        arguments: AMQPTable
    ) throws(AMQPError) -> AMQPQueueState {
        defer { scratch.recycle() }
        let ok = amqp_queue_declare(
            state,
            Self.channel,
            scratch.bytes(name),
            passive ? 1 : 0,
            durable ? 1 : 0,
            exclusive ? 1 : 0,
            autoDelete ? 1 : 0,
            AMQPTableCodec.encode(arguments, in: scratch)
        )
        try checkRPC(passive ? "passive queue.declare '\(name)'" : "queue.declare '\(name)'")
        guard let ok else { throw AMQPError(.protocolError, "queue.declare-ok for '\(name)' carried no body") }
        return AMQPQueueState(
            name: AMQPTableCodec.string(ok.pointee.queue),
            messageCount: ok.pointee.message_count,
            consumerCount: ok.pointee.consumer_count
        )
    }

    func bindQueue(
        _ queue: String,
        exchange: String,
        routingKey: String,
        arguments: AMQPTable,
        unbind: Bool
    ) throws(AMQPError) {
        defer { scratch.recycle() }
        let table = AMQPTableCodec.encode(arguments, in: scratch)
        if unbind {
            amqp_queue_unbind(
                state,
                Self.channel,
                scratch.bytes(queue),
                scratch.bytes(exchange),
                scratch.bytes(routingKey),
                table
            )
        } else {
            amqp_queue_bind(
                state,
                Self.channel,
                scratch.bytes(queue),
                scratch.bytes(exchange),
                scratch.bytes(routingKey),
                table
            )
        }
        try checkRPC("\(unbind ? "queue.unbind" : "queue.bind") '\(queue)' to '\(exchange)' with '\(routingKey)'")
    }

    func purgeQueue(_ name: String) throws(AMQPError) -> UInt32 {
        defer { scratch.recycle() }
        let ok = amqp_queue_purge(state, Self.channel, scratch.bytes(name))
        try checkRPC("queue.purge '\(name)'")
        return ok?.pointee.message_count ?? 0
    }

    func deleteQueue(_ name: String, ifUnused: Bool, ifEmpty: Bool) throws(AMQPError) -> UInt32 {
        defer { scratch.recycle() }
        let ok = amqp_queue_delete(state, Self.channel, scratch.bytes(name), ifUnused ? 1 : 0, ifEmpty ? 1 : 0)
        try checkRPC("queue.delete '\(name)'")
        return ok?.pointee.message_count ?? 0
    }

    func setPrefetch(_ count: UInt16) throws(AMQPError) {
        amqp_basic_qos(state, Self.channel, 0, count, 0)
        try checkRPC("basic.qos \(count)")
    }

    /// Subscribes with manual acknowledgements and returns the broker-chosen consumer tag.
    func consume(queue: String) throws(AMQPError) -> String {
        defer { scratch.recycle() }
        let ok = amqp_basic_consume(
            state,
            Self.channel,
            scratch.bytes(queue),
            amqp_bytes_t(),
            0,
            0,
            0,
            amqp_table_t()
        )
        try checkRPC("basic.consume on '\(queue)'")
        return ok.map { AMQPTableCodec.string($0.pointee.consumer_tag) } ?? ""
    }

    func cancel(consumerTag: String) throws(AMQPError) {
        defer { scratch.recycle() }
        amqp_basic_cancel(state, Self.channel, scratch.bytes(consumerTag))
        try checkRPC("basic.cancel '\(consumerTag)'")
    }

    func selectConfirms() throws(AMQPError) {
        amqp_confirm_select(state, Self.channel)
        try checkRPC("confirm.select")
    }

    func publish(
        body: [UInt8],
        exchange: String,
        routingKey: String,
        properties: AMQPProperties,
        mandatory: Bool
    ) throws(AMQPError) {
        defer { scratch.recycle() }
        var cProperties = properties.encoded(in: scratch)
        let exchangeBytes = scratch.bytes(exchange)
        let keyBytes = scratch.bytes(routingKey)
        let status = body.withUnsafeBytes { raw in
            amqp_basic_publish(
                state,
                Self.channel,
                exchangeBytes,
                keyBytes,
                mandatory ? 1 : 0,
                0,
                &cProperties,
                amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
            )
        }
        try check(status: status, "basic.publish to '\(exchange)' with '\(routingKey)'")
    }

    func ack(_ tag: UInt64, multiple: Bool) throws(AMQPError) {
        try check(status: amqp_basic_ack(state, Self.channel, tag, multiple ? 1 : 0), "basic.ack \(tag)")
    }

    func nack(_ tag: UInt64, multiple: Bool, requeue: Bool) throws(AMQPError) {
        let status = amqp_basic_nack(state, Self.channel, tag, multiple ? 1 : 0, requeue ? 1 : 0)
        try check(status: status, "basic.nack \(tag)")
    }

    func reject(_ tag: UInt64, requeue: Bool) throws(AMQPError) {
        try check(status: amqp_basic_reject(state, Self.channel, tag, requeue ? 1 : 0), "basic.reject \(tag)")
    }

    /// Pulls one message with `basic.get` (manual ack), or nil when the queue is empty.
    func get(queue: String) throws(AMQPError) -> AMQPDelivery? {
        defer { scratch.recycle() }
        let reply = amqp_basic_get(state, Self.channel, scratch.bytes(queue), 0)
        try check(reply, "basic.get on '\(queue)'")
        guard reply.reply.id == AMQP_BASIC_GET_OK_METHOD else { return nil }
        let ok = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        let exchange = AMQPTableCodec.string(ok.exchange)
        let routingKey = AMQPTableCodec.string(ok.routing_key)
        var message = amqp_message_t()
        try check(amqp_read_message(state, Self.channel, &message, 0), "reading the message of basic.get")
        defer {
            amqp_destroy_message(&message)
            amqp_maybe_release_buffers(state)
        }
        return AMQPDelivery(
            body: AMQPTableCodec.bytes(message.body),
            properties: AMQPProperties(message.properties),
            exchange: exchange,
            routingKey: routingKey,
            redelivered: ok.redelivered != 0,
            deliveryTag: ok.delivery_tag,
            messageCount: ok.message_count,
            channelToken: channelToken
        )
    }
}
