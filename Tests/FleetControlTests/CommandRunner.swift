import Foundation
import TestSupport

/// Runs a built executable (`syncctl`) to completion with an environment of the test's own, and returns its exit
/// status and standard output (standard error goes to a file named in failures).
struct CommandRunner: Sendable {
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var errors: String
    }

    let executable: URL
    let environment: [String: String]

    init(executableName: String, environment: [String: String]) throws {
        executable = try WorkerProcesses.locate(executableName)
        self.environment = ProcessInfo.processInfo.environment.merging(environment) { _, override in override }
    }

    func run(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("syncctl-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("stdout")
        let errorURL = folder.appendingPathComponent("stderr")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
            FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        else { throw FleetHarnessError("cannot create output files in \(folder.path)") }
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = TestEnvironment.repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(process.processIdentifier, SIGKILL)
                throw FleetHarnessError("\(executable.lastPathComponent) \(arguments) did not finish within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try output.close()
        try errors.close()
        return Outcome(
            status: process.terminationStatus,
            output: try String(contentsOf: outputURL, encoding: .utf8),
            errors: try String(contentsOf: errorURL, encoding: .utf8)
        )
    }
}
