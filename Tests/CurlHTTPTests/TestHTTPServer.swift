import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 server on 127.0.0.1 with an ephemeral port, for exercising the libcurl client.
///
/// One thread accepts, one thread per connection serves it, so keep-alive and concurrent clients behave as with a
/// real server. Threads hold the server until ``stop()``, so every test must call it (use `defer`). Tests read what arrived (``requests``) and how many TCP connections were opened (``acceptCount``).
final class TestHTTPServer: Sendable {
    /// What the server does with each accepted connection.
    enum Behavior: Sendable {
        /// Reads requests and answers each one, keeping the connection open for more.
        case respond(@Sendable (RecordedRequest) -> CannedResponse)
        /// Reads the request and never answers, holding the connection open until the server stops.
        case neverAnswer
        /// Reads the request, then closes the connection without a byte of response.
        case closeAfterRequest
        /// Writes a plain HTTP response as soon as the connection opens, without reading anything.
        case answerWithoutReading(CannedResponse)
        /// Sends headers announcing `bodyBytes`, then one body byte per `interval`.
        case dribble(bodyBytes: Int, interval: Duration)
    }

    struct RecordedRequest: Sendable {
        var method: String
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var bodyString: String { String(decoding: body, as: UTF8.self) }
    }

    struct CannedResponse: Sendable {
        var status: Int
        var reason: String = "OK"
        var headers: [(String, String)] = []
        var body: [UInt8] = []

        init(status: Int, reason: String = "OK", headers: [(String, String)] = [], body: String = "") {
            self.status = status
            self.reason = reason
            self.headers = headers
            self.body = Array(body.utf8)
        }

        var bytes: [UInt8] {
            var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            return Array(head.utf8) + body
        }
    }

    private struct State {
        var acceptCount = 0
        var requests: [RecordedRequest] = []
        /// Requests received on each accepted connection, by accept order.
        var requestsPerConnection: [Int] = []
        /// Sockets still open; they are shut down and closed only under the lock, so ``stop()`` can never hit a
        /// descriptor number that was closed and reused by another socket in this process.
        var openSockets: Set<Int32> = []
        var listenerOpen = true
        var stopped = false
    }

    let port: Int
    private let listener: Int32
    private let behavior: Behavior
    private let state = Mutex(State())

    init(_ behavior: Behavior) throws {
        self.behavior = behavior
        let (listener, port) = try Self.makeListener()
        self.listener = listener
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "test-http-accept"
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    var acceptCount: Int { state.withLock { $0.acceptCount } }

    var requests: [RecordedRequest] { state.withLock { $0.requests } }

    /// How many requests each accepted connection carried, in accept order.
    var requestsPerConnection: [Int] { state.withLock { $0.requestsPerConnection } }

    /// Stops accepting and wakes every connection thread; blocked reads return and threads exit.
    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.listenerOpen { _ = shutdown(listener, Int32(SHUT_RDWR)) }
            for socket in state.openSockets { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    /// A port on 127.0.0.1 that nothing listens on: bound once to learn a free number, then released.
    static func closedPort() throws -> Int {
        let (socket, port) = try makeSocket(listening: false)
        close(socket)
        return port
    }

    private static func makeListener() throws -> (Int32, Int) {
        try makeSocket(listening: true)
    }

    private static func makeSocket(listening: Bool) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, !listening || listen(fd, 64) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private func acceptLoop() {
        defer {
            state.withLock { state in
                state.listenerOpen = false
                close(listener)
            }
        }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let index: Int? = state.withLock { state in
                guard !state.stopped else { return nil }
                state.acceptCount += 1
                state.requestsPerConnection.append(0)
                state.openSockets.insert(connection)
                return state.acceptCount - 1
            }
            guard let index else {
                close(connection)
                return
            }
            let thread = Thread { [self] in
                serve(connection, index: index)
                state.withLock { state in
                    state.openSockets.remove(connection)
                    close(connection)
                }
            }
            thread.name = "test-http-connection"
            thread.start()
        }
    }

    private func serve(_ connection: Int32, index: Int) {
        var reader = RequestReader(socket: connection)
        switch behavior {
        case .respond(let answer):
            while let request = reader.next() {
                record(request, connection: index)
                guard send(answer(request).bytes, on: connection) else { return }
            }
        case .neverAnswer:
            if let request = reader.next() { record(request, connection: index) }
            while reader.next() != nil {}
        case .closeAfterRequest:
            if let request = reader.next() { record(request, connection: index) }
        case .answerWithoutReading(let response):
            _ = send(response.bytes, on: connection)
            // Drain (and record anything that parses as HTTP) so closing does not turn into a reset.
            while let request = reader.next() { record(request, connection: index) }
        case .dribble(let bodyBytes, let interval):
            guard let request = reader.next() else { return }
            record(request, connection: index)
            guard send(Array("HTTP/1.1 200 OK\r\nContent-Length: \(bodyBytes)\r\n\r\n".utf8), on: connection) else {
                return
            }
            for _ in 0..<bodyBytes {
                usleep(useconds_t(interval / .microseconds(1)))
                guard send([UInt8(ascii: "x")], on: connection) else { return }
            }
        }
    }

    private func record(_ request: RecordedRequest, connection index: Int) {
        state.withLock { state in
            state.requests.append(request)
            state.requestsPerConnection[index] += 1
        }
    }

    private func send(_ bytes: [UInt8], on connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// Reads HTTP/1.1 requests (Content-Length bodies only) from a blocking socket.
private struct RequestReader {
    let socket: Int32
    var buffer: [UInt8] = []

    init(socket: Int32) {
        self.socket = socket
    }

    /// The next request, or nil when the peer closed the connection or sent something that is not HTTP.
    mutating func next() -> TestHTTPServer.RecordedRequest? {
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = buffer.firstRange(of: separator)?.lowerBound
            if headerEnd == nil, !fill() { return nil }
        }
        guard let end = headerEnd else { return nil }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeFirst(end + separator.count)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (
                name: String(line[..<colon]),
                value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            )
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        while buffer.count < length {
            if !fill() { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return TestHTTPServer.RecordedRequest(
            method: String(requestLine[0]),
            target: String(requestLine[1]),
            headers: headers,
            body: body
        )
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }
}
