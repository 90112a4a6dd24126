package import Foundation

/// A built executable of the package (`syncctl`, `upsert-worker`) run as a child process with an environment of the
/// test's choosing, its output going to files so that a chatty child never blocks on a full pipe.
package final class ChildProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched through its thread-safe Foundation API and the URLs are immutable.
    private let process: Process
    private let outputURL: URL
    private let errorURL: URL

    /// Starts `name` with `arguments`, from the repository root, with `environment` over the test's own.
    package init(_ name: String, _ arguments: [String], environment: [String: String]) throws {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("child-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        outputURL = folder.appendingPathComponent("stdout")
        errorURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process = Process()
        process.executableURL = try Self.locate(name)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, override in override }
        process.currentDirectoryURL = TestEnvironment.repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    package var output: String { (try? String(contentsOf: outputURL, encoding: .utf8)) ?? "" }
    package var errorOutput: String { (try? String(contentsOf: errorURL, encoding: .utf8)) ?? "" }
    package var isRunning: Bool { process.isRunning }

    /// Waits for the child to exit (polling, so no thread blocks) and returns its exit status; a child killed by
    /// a signal gives the signal number, negated.
    @discardableResult
    package func wait(timeout: Duration = .seconds(120)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw HarnessError("\(process.executableURL?.lastPathComponent ?? "child") ran longer than \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
    }

    package func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// An absolute path as is; else the package's product, found as ``WorkerProcesses/locate(_:)`` finds it.
    package static func locate(_ name: String) throws -> URL {
        if name.hasPrefix("/") { return URL(fileURLWithPath: name) }
        return try WorkerProcesses.locate(name)
    }
}
