package import Foundation

/// The basic properties of a message, plus its header table.
///
/// `persistent` is on by default (delivery mode 2): a message in a durable queue then survives a broker restart.
package struct AMQPProperties: Sendable, Equatable {
    package var contentType: String?
    package var contentEncoding: String?
    package var messageID: String?
    package var correlationID: String?
    package var type: String?
    package var appID: String?
    package var userID: String?
    package var replyTo: String?
    /// Whole seconds on the wire.
    package var timestamp: Date?
    /// Per-message TTL in milliseconds, as the decimal string AMQP requires (e.g. "60000").
    package var expiration: String?
    package var priority: UInt8?
    package var headers: AMQPTable
    package var persistent: Bool

    package init(
        contentType: String? = nil,
        contentEncoding: String? = nil,
        messageID: String? = nil,
        correlationID: String? = nil,
        type: String? = nil,
        appID: String? = nil,
        userID: String? = nil,
        replyTo: String? = nil,
        timestamp: Date? = nil,
        expiration: String? = nil,
        priority: UInt8? = nil,
        headers: AMQPTable = [:],
        persistent: Bool = true
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.messageID = messageID
        self.correlationID = correlationID
        self.type = type
        self.appID = appID
        self.userID = userID
        self.replyTo = replyTo
        self.timestamp = timestamp
        self.expiration = expiration
        self.priority = priority
        self.headers = headers
        self.persistent = persistent
    }
}
