internal import CRabbitMQ
import Foundation

extension AMQPProperties {
    /// Copies properties out of library memory (an envelope or a returned message).
    init(_ c: amqp_basic_properties_t) {
        let flags = c._flags
        func text(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? {
            flags & amqp_flags_t(flag) != 0 ? AMQPTableCodec.string(bytes) : nil
        }
        self.init(
            contentType: text(AMQP_BASIC_CONTENT_TYPE_FLAG, c.content_type),
            contentEncoding: text(AMQP_BASIC_CONTENT_ENCODING_FLAG, c.content_encoding),
            messageID: text(AMQP_BASIC_MESSAGE_ID_FLAG, c.message_id),
            correlationID: text(AMQP_BASIC_CORRELATION_ID_FLAG, c.correlation_id),
            type: text(AMQP_BASIC_TYPE_FLAG, c.type),
            appID: text(AMQP_BASIC_APP_ID_FLAG, c.app_id),
            userID: text(AMQP_BASIC_USER_ID_FLAG, c.user_id),
            replyTo: text(AMQP_BASIC_REPLY_TO_FLAG, c.reply_to),
            timestamp: flags & amqp_flags_t(AMQP_BASIC_TIMESTAMP_FLAG) != 0
                ? Date(timeIntervalSince1970: TimeInterval(c.timestamp)) : nil,
            expiration: text(AMQP_BASIC_EXPIRATION_FLAG, c.expiration),
            priority: flags & amqp_flags_t(AMQP_BASIC_PRIORITY_FLAG) != 0 ? c.priority : nil,
            headers: flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0 ? AMQPTableCodec.decode(c.headers) : [:],
            persistent: flags & amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG) != 0 && c.delivery_mode == 2
        )
    }

    /// Builds the C properties; strings and headers live in `scratch` until it is recycled.
    func encoded(in scratch: AMQPScratchPool) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        var flags: Int32 = AMQP_BASIC_DELIVERY_MODE_FLAG
        c.delivery_mode = persistent ? 2 : 1
        func set(_ value: String?, _ flag: Int32, _ field: inout amqp_bytes_t) {
            guard let value else { return }
            field = scratch.bytes(value)
            flags |= flag
        }
        set(contentType, AMQP_BASIC_CONTENT_TYPE_FLAG, &c.content_type)
        set(contentEncoding, AMQP_BASIC_CONTENT_ENCODING_FLAG, &c.content_encoding)
        set(messageID, AMQP_BASIC_MESSAGE_ID_FLAG, &c.message_id)
        set(correlationID, AMQP_BASIC_CORRELATION_ID_FLAG, &c.correlation_id)
        set(type, AMQP_BASIC_TYPE_FLAG, &c.type)
        set(appID, AMQP_BASIC_APP_ID_FLAG, &c.app_id)
        set(userID, AMQP_BASIC_USER_ID_FLAG, &c.user_id)
        set(replyTo, AMQP_BASIC_REPLY_TO_FLAG, &c.reply_to)
        set(expiration, AMQP_BASIC_EXPIRATION_FLAG, &c.expiration)
        if let timestamp {
            c.timestamp = UInt64(max(0, timestamp.timeIntervalSince1970.rounded(.down)))
            flags |= AMQP_BASIC_TIMESTAMP_FLAG
        }
        if let priority {
            c.priority = priority
            flags |= AMQP_BASIC_PRIORITY_FLAG
        }
        if !headers.isEmpty {
            c.headers = AMQPTableCodec.encode(headers, in: scratch)
            flags |= AMQP_BASIC_HEADERS_FLAG
        }
        c._flags = amqp_flags_t(flags)
        return c
    }
}
