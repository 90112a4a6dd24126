/// The routing algorithm of an exchange.
package enum AMQPExchangeType: String, Sendable, CaseIterable {
    case direct
    case topic
    case fanout
    case headers
}
