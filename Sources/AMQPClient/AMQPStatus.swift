internal import CRabbitMQ

/// Helpers for librabbitmq's integer status codes.
enum AMQPStatus {
    /// The library's text for a status code.
    static func describe(_ status: Int32) -> String {
        guard let text = amqp_error_string2(status) else { return "status \(status)" }
        return String(cString: text)
    }
}
