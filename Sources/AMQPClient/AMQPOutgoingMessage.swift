/// One message to publish, for ``AMQPPublisher/publishInOrder(_:)``.
package struct AMQPOutgoingMessage: Sendable {
    package var body: [UInt8]
    package var exchange: String
    package var routingKey: String
    package var properties: AMQPProperties
    package var mandatory: Bool

    package init(
        body: [UInt8],
        exchange: String,
        routingKey: String,
        properties: AMQPProperties = AMQPProperties(),
        mandatory: Bool = false
    ) {
        self.body = body
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.mandatory = mandatory
    }
}
