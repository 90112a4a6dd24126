import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// An `openssl s_server -www` on 127.0.0.1 with a fresh self-signed certificate whose only name is IP 127.0.0.1,
/// for proving that the client verifies TLS peers and host names.
final class SelfSignedTLSServer {
    let port: Int
    /// The self-signed certificate, usable as a CA bundle to trust exactly this server.
    let certificatePath: String
    private let directory: URL
    private let process: Process

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        try Self.runOpenSSL([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        port = try TestHTTPServer.closedPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificatePath, "-key", keyPath, "-www",
            "-quiet",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(10)
        while !TestEnvironment.canConnect(host: "127.0.0.1", port: port) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                stop()
                throw TLSServerError(message: "openssl s_server did not start listening on port \(port)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    func stop() {
        if process.isRunning {
            // SIGKILL, not terminate(): children of the test process inherit its blocked signals, SIGTERM included.
            _ = kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func runOpenSSL(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TLSServerError(message: "openssl \(arguments[0]) failed; install the openssl package")
        }
    }
}

struct TLSServerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
