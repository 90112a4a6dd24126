/// Everything that can go wrong talking to RabbitMQ, with what to do about it.
///
/// The `Code` is opaque so new cases can be added without breaking callers' `switch`es; compare with `==`.
/// `isRetryable` tells a caller whether trying the same operation again later can succeed.
package struct AMQPError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is; compare against the static members.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidURL
            case connectionFailed
            case authenticationFailed
            case connectionLost
            case channelClosed
            case publishNacked
            case unroutable
            case timeout
            case closed
            case consumerCancelled
            case protocolError
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The URL is not a valid `amqp://user:pass@host:port/vhost`.
        package static let invalidURL = Code(.invalidURL)
        /// No TCP connection or AMQP handshake could be made with the broker.
        package static let connectionFailed = Code(.connectionFailed)
        /// The broker refused the user name, password or virtual host.
        package static let authenticationFailed = Code(.authenticationFailed)
        /// The connection died while the operation was in flight; its outcome is unknown.
        package static let connectionLost = Code(.connectionLost)
        /// The broker closed the channel (see `replyCode` / `replyText`), e.g. a missing queue or exchange.
        package static let channelClosed = Code(.channelClosed)
        /// The broker refused a published message with `basic.nack`.
        package static let publishNacked = Code(.publishNacked)
        /// A `mandatory` message matched no queue and came back with `basic.return`.
        package static let unroutable = Code(.unroutable)
        /// The broker did not answer in time.
        package static let timeout = Code(.timeout)
        /// The connection was closed by this process; the object cannot be used any more.
        package static let closed = Code(.closed)
        /// The broker cancelled the subscription (for example, the queue was deleted).
        package static let consumerCancelled = Code(.consumerCancelled)
        /// The library or the broker reported something this client does not expect.
        package static let protocolError = Code(.protocolError)

        package var description: String { base.rawValue }
    }

    /// Whether the failure lives on the channel only, the whole connection, or neither.
    enum Scope: Sendable {
        case operation
        case channel
        case connection
    }

    package let code: Code
    /// A sentence that says what went wrong and what to do.
    package let message: String
    /// The AMQP reply code sent by the broker when it closed a channel or connection (e.g. 404, 403, 406).
    package let replyCode: UInt16?
    /// The broker's reply text that goes with `replyCode`.
    package let replyText: String?
    /// The raw librabbitmq status code, when the library reported the failure.
    package let libraryStatus: Int32?
    let scope: Scope

    init(
        _ code: Code,
        _ message: String,
        scope: Scope = .operation,
        replyCode: UInt16? = nil,
        replyText: String? = nil,
        libraryStatus: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.scope = scope
        self.replyCode = replyCode
        self.replyText = replyText
        self.libraryStatus = libraryStatus
    }

    /// Whether the same operation may succeed if tried again later (after a reconnect).
    package var isRetryable: Bool {
        switch code {
        case .connectionFailed, .connectionLost, .timeout, .publishNacked: true
        default: false
        }
    }

    package var description: String {
        var text = "AMQPError.\(code): \(message)"
        if let replyCode { text += " [broker \(replyCode) \(replyText ?? "")]" }
        if let libraryStatus { text += " [librabbitmq status \(libraryStatus)]" }
        return text
    }
}
