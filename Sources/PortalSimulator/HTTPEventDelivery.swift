internal import NIOCore
internal import NIOHTTP1
internal import NIOPosix

/// A minimal HTTP/1.1 client over NIO for event POSTs to `http://` handlers (no TLS, no redirects),
/// with a whole-exchange timeout like the portal's.
package struct HTTPEventDelivery: EventDelivering {
    /// Why a delivery failed; the portal only logs it and never resends.
    package struct DeliveryError: Error, Sendable, CustomStringConvertible {
        /// Opaque failure kind, so new kinds never break a `switch`.
        package struct Code: Hashable, Sendable {
            private let rawValue: Int
            /// Only `http://host[:port]/path` handlers are supported.
            package static let unsupportedURL = Code(rawValue: 1)
            /// No answer within the delivery timeout.
            package static let timeout = Code(rawValue: 2)
            /// The handler answered with a non-2xx status.
            package static let handlerStatus = Code(rawValue: 3)
        }

        package let code: Code
        package let description: String
    }

    package let timeout: Duration

    package init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    package func deliver(url: String, formBody: [UInt8]) async throws {
        guard let target = Target(url) else {
            throw DeliveryError(code: .unsupportedURL, description: "unsupported handler URL \(url)")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.post(target, body: formBody) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DeliveryError(code: .timeout, description: "handler did not answer within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private static func post(_ target: Target, body: [UInt8]) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(3))
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        let status = try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.path)
            head.headers.add(name: "Host", value: target.hostHeader)
            head.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            head.headers.add(name: "Content-Length", value: String(body.count))
            head.headers.add(name: "User-Agent", value: "Bitrix24 Webhook Engine")
            head.headers.add(name: "Connection", value: "close")
            try await outbound.write(.head(head))
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            try await outbound.write(.end(nil))
            var status: UInt = 0
            for try await part in inbound {
                if case .head(let response) = part { status = response.status.code }
                if case .end = part { break }
            }
            return status
        }
        guard (200..<300).contains(status) else {
            throw DeliveryError(code: .handlerStatus, description: "handler answered HTTP \(status)")
        }
    }

    /// `http://host[:port]/path?query`.
    private struct Target {
        let host: String
        let port: Int
        let path: String
        let hostHeader: String

        init?(_ url: String) {
            guard url.hasPrefix("http://") else { return nil }
            let rest = url.dropFirst("http://".count)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let authority = rest[..<slash]
            path = slash == rest.endIndex ? "/" : String(rest[slash...])
            hostHeader = String(authority)
            if let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]) {
                host = String(authority[..<colon])
                self.port = port
            } else {
                host = String(authority)
                port = 80
            }
            if host.isEmpty { return nil }
        }
    }
}
