/// Where the broker is and how patient to be with it.
///
/// Build it from the `AMQP_URL` every process reads: `amqp://user:pass@host:port/vhost` (user, password and vhost
/// are percent-decoded, so `%2F` is the default vhost `/`; an empty path also means `/`). The query keys
/// `heartbeat` (seconds) and `connection_timeout` (milliseconds) are honoured. Defaults: port 5672, user and
/// password `guest`.
package struct AMQPConfiguration: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var user: String
    package var password: String
    package var virtualHost: String
    /// Heartbeat interval negotiated with the broker; a silent peer is declared dead after about twice this.
    package var heartbeat: Duration = .seconds(10)
    /// Bound on the TCP connect and, separately, on the AMQP handshake.
    package var connectTimeout: Duration = .seconds(5)
    /// Bound on each synchronous RPC (declare, bind, qos, get, ...).
    package var rpcTimeout: Duration = .seconds(10)
    /// How long `publish` waits for the broker's confirm before it throws `.timeout`.
    package var confirmTimeout: Duration = .seconds(30)
    /// First delay before reconnecting after the connection died; doubled after each failed attempt.
    package var reconnectDelayMin: Duration = .milliseconds(100)
    /// Upper bound of the reconnect delay.
    package var reconnectDelayMax: Duration = .seconds(5)
    /// Shown by the management UI and `rabbitmqctl list_connections`, e.g. "upsert-worker@host-1".
    package var connectionName: String?

    package init(
        host: String,
        port: Int = 5672,
        user: String = "guest",
        password: String = "guest",
        virtualHost: String = "/"
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
    }

    /// Parses an `amqp://` URL.
    ///
    /// - Throws: `AMQPError` with code `.invalidURL` when the URL cannot be used.
    package init(url: String) throws(AMQPError) {
        let prefix = "amqp://"
        guard url.lowercased().hasPrefix(prefix) else {
            if url.lowercased().hasPrefix("amqps://") {
                throw AMQPError(.invalidURL, "amqps:// (TLS) is not supported by this client: use amqp://")
            }
            throw AMQPError(
                .invalidURL,
                "'\(Self.redacted(url))' is not an amqp:// URL: use amqp://user:pass@host:port/vhost"
            )
        }
        var rest = Substring(url.dropFirst(prefix.count))
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path = Substring("")
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user = "guest"
        var password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.percentDecoded(userInfo[..<colon], what: "user")
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], what: "password")
            } else {
                user = try Self.percentDecoded(userInfo, what: "user")
                password = ""
            }
        }
        let (host, port) = try Self.hostAndPort(rest, url: url)
        let vhost = path.isEmpty ? "/" : try Self.percentDecoded(path, what: "virtual host")
        self.init(host: host, port: port, user: user, password: password, virtualHost: vhost)
        try applyQuery(query)
    }

    private mutating func applyQuery(_ query: Substring) throws(AMQPError) {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let number = Int(parts[1]), number >= 0 else {
                throw AMQPError(.invalidURL, "URL query item '\(pair)' is not key=<non-negative integer>")
            }
            switch parts[0] {
            case "heartbeat": heartbeat = .seconds(number)
            case "connection_timeout": connectTimeout = .milliseconds(number)
            default: continue
            }
        }
    }

    private static func hostAndPort(_ text: Substring, url: String) throws(AMQPError) -> (String, Int) {
        var hostPart = text
        var portPart: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw AMQPError(.invalidURL, "unterminated IPv6 address in '\(redacted(url))'")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let colon = text.lastIndex(of: ":") {
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty else {
            throw AMQPError(.invalidURL, "no host in '\(redacted(url))': use amqp://user:pass@host:port/vhost")
        }
        var port = 5672
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else {
                throw AMQPError(.invalidURL, "port '\(portPart)' in '\(redacted(url))' is not a number from 1 to 65535")
            }
            port = value
        }
        return (String(hostPart), port)
    }

    private static func percentDecoded(_ text: Substring, what: String) throws(AMQPError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else {
                throw AMQPError(
                    .invalidURL,
                    "the \(what) in the URL has a bad percent escape: write %XX with two hex digits"
                )
            }
            bytes.append(value)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw AMQPError(.invalidURL, "the \(what) in the URL is not UTF-8 after percent-decoding")
        }
        return decoded
    }

    /// The URL with its password hidden, for error messages and logs.
    static func redacted(_ url: String) -> String {
        let characters = Array(url)
        guard let at = characters.lastIndex(of: "@") else { return url }
        var index = at - 1
        while index >= 0, characters[index] != ":", characters[index] != "/" { index -= 1 }
        guard index >= 0, characters[index] == ":" else { return url }
        return String(characters[...index]) + "***" + String(characters[at...])
    }
}
