import Foundation
import TestSupport

/// Runs a built executable (`syncctl`) to completion with an environment of the test's own, and returns its exit
/// status and what it printed (see ``ChildProcess``).
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
        self.environment = environment
    }

    func run(_ arguments: [String], timeout: Duration = .seconds(30)) async throws -> Outcome {
        let child = try ChildProcess(executable.path, arguments, environment: environment)
        let status = try await child.wait(timeout: timeout)
        return Outcome(status: status, output: child.output, errors: child.errorOutput)
    }
}
