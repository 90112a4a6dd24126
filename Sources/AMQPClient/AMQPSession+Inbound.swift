internal import CRabbitMQ
import Glibc

/// Reading what the broker sends without being asked: confirms, returns, deliveries, cancels and closes.
extension AMQPSession {
    /// How long one read waits for a frame that `poll` announced.
    static var readTimeout: timeval { timeval(tv_sec: 0, tv_usec: 1000) }

    /// An inbound method that is not a delivery.
    enum InboundMethod {
        case ack(tag: UInt64, multiple: Bool)
        case nack(tag: UInt64, multiple: Bool)
        case returned(AMQPError, exchange: String, routingKey: String, messageID: String?)
        case cancelledByBroker
        case other
    }

    /// Reads one frame, or returns nil when none arrived in time. Broker closes are answered and thrown.
    func nextMethod() throws(AMQPError) -> InboundMethod? {
        var frame = amqp_frame_t()
        var timeout = Self.readTimeout
        let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return nil }
        try check(status: status, "waiting for frames")
        return try method(of: frame)
    }

    /// Reads the frame librabbitmq put back after `amqp_consume_message` returned `UNEXPECTED_STATE`.
    func pendingMethod() throws(AMQPError) -> InboundMethod {
        var frame = amqp_frame_t()
        try check(status: amqp_simple_wait_frame(state, &frame), "reading an unexpected frame")
        return try method(of: frame)
    }

    private func method(of frame: amqp_frame_t) throws(AMQPError) -> InboundMethod {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return .other }
        let method = frame.payload.method
        switch method.id {
        case AMQP_BASIC_ACK_METHOD:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            return .ack(tag: ack.delivery_tag, multiple: ack.multiple != 0)
        case AMQP_BASIC_NACK_METHOD:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            return .nack(tag: nack.delivery_tag, multiple: nack.multiple != 0)
        case AMQP_BASIC_RETURN_METHOD:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let exchange = AMQPTableCodec.string(returned.exchange)
            let routingKey = AMQPTableCodec.string(returned.routing_key)
            let text = AMQPTableCodec.string(returned.reply_text)
            var message = amqp_message_t()
            try check(amqp_read_message(state, frame.channel, &message, 0), "reading a returned message")
            let properties = AMQPProperties(message.properties)
            amqp_destroy_message(&message)
            let error = AMQPError(
                .unroutable,
                "RabbitMQ returned the mandatory message sent to exchange '\(exchange)' with routing key "
                    + "'\(routingKey)' (\(returned.reply_code) \(text)): bind a queue that matches it",
                replyCode: returned.reply_code,
                replyText: text
            )
            return .returned(error, exchange: exchange, routingKey: routingKey, messageID: properties.messageID)
        case AMQP_BASIC_CANCEL_METHOD:
            return .cancelledByBroker
        case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
            throw brokerClosed(method, during: "normal operation")
        default:
            return .other
        }
    }

    /// The result of one `amqp_consume_message`.
    enum ConsumeResult {
        case delivery(AMQPDelivery)
        case method(InboundMethod)
        case nothing
    }

    /// Reads one delivery (copying every byte out of the envelope before destroying it), or the non-delivery
    /// frame that arrived instead.
    func consumeOne() throws(AMQPError) -> ConsumeResult {
        var envelope = amqp_envelope_t()
        var timeout = Self.readTimeout
        let reply = amqp_consume_message(state, &envelope, &timeout, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            return .delivery(
                AMQPDelivery(
                    body: AMQPTableCodec.bytes(envelope.message.body),
                    properties: AMQPProperties(envelope.message.properties),
                    exchange: AMQPTableCodec.string(envelope.exchange),
                    routingKey: AMQPTableCodec.string(envelope.routing_key),
                    redelivered: envelope.redelivered != 0,
                    deliveryTag: envelope.delivery_tag,
                    messageCount: nil,
                    channelToken: channelToken
                )
            )
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return .nothing
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            return .method(try pendingMethod())
        default:
            try check(reply, "consuming")
            return .nothing
        }
    }

    /// Lets librabbitmq free the memory of frames already handled.
    func releaseBuffers() {
        amqp_maybe_release_buffers(state)
    }
}
