package import Hummingbird
package import NIOCore

/// Request context that keeps the connection's channel, so a `drop` fault can close the socket
/// without writing any response.
package struct SimulatorRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The TCP connection the request arrived on.
    package let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
