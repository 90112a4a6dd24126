package import Foundation
import Synchronization

/// Real worker executables run as child processes, so that a test can stop one with SIGTERM as an operator would,
/// or SIGKILL one mid-batch as a crash would.
///
/// Each child inherits the test's environment plus the given overrides, runs from the repository root, and writes
/// its output to a log file of its own in ``logFolder`` (read it when a test fails). A child still running when the
/// owner forgets to stop it is killed on deinit, so no worker outlives its test.
package final class WorkerProcesses: Sendable {
    /// Where each child's standard output and error go, one `<name>-<n>.log` per child.
    package let logFolder: URL
    private let executable: URL
    private let environment: [String: String]
    private let running = Mutex<[Process]>([])
    private let started = Atomic<Int>(0)

    /// - Parameters:
    ///   - executableName: the product name, e.g. `upsert-worker`, found next to the test bundle.
    ///   - environment: variables set on top of the test's own environment.
    package init(executableName: String, environment: [String: String]) throws {
        executable = try Self.locate(executableName)
        self.environment = ProcessInfo.processInfo.environment.merging(environment) { _, override in override }
        logFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(executableName)-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: logFolder, withIntermediateDirectories: true)
    }

    deinit {
        for process in running.withLock({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// The built executable: in the folder of the running test bundle (SwiftPM puts every product there), else in
    /// the repository's `.build/debug`.
    package static func locate(_ name: String) throws -> URL {
        var folders: [URL] = []
        if let testBinary = Bundle.main.executableURL {
            folders.append(testBinary.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        folders.append(
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        )
        folders.append(TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug", isDirectory: true))
        for folder in folders {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw WorkerProcessError(
            "no \(name) executable in \(folders.map(\.path)); build it first with `swift build --build-tests`"
        )
    }

    /// How many children are alive.
    package var count: Int {
        running.withLock { processes in processes.filter(\.isRunning).count }
    }

    /// How many children were started so far.
    package var startedCount: Int { started.load(ordering: .relaxed) }

    /// Starts one more child and returns its process id.
    @discardableResult
    package func start() throws -> Int32 {
        let number = started.add(1, ordering: .relaxed).newValue
        let name = executable.lastPathComponent
        let logURL = logFolder.appendingPathComponent("\(name)-\(number).log")
        guard FileManager.default.createFile(atPath: logURL.path, contents: nil) else {
            throw WorkerProcessError("cannot create the worker log \(logURL.path)")
        }
        let log = try FileHandle(forWritingTo: logURL)
        let process = Process()
        process.executableURL = executable
        process.environment = environment
        process.currentDirectoryURL = TestEnvironment.repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try log.close()
        running.withLock { $0.append(process) }
        return process.processIdentifier
    }

    /// SIGKILLs one running child picked at random and waits until it is gone; returns its process id, or nil when
    /// none was running.
    package func killRandom() async throws -> Int32? {
        let victim = running.withLock { processes -> Process? in
            processes.removeAll { !$0.isRunning }
            guard let index = processes.indices.randomElement() else { return nil }
            return processes.remove(at: index)
        }
        guard let victim else { return nil }
        kill(victim.processIdentifier, SIGKILL)
        try await waitForExit(of: victim, within: .seconds(10))
        return victim.processIdentifier
    }

    /// Asks every child to shut down with SIGTERM and waits for each; a child still running after `timeout` is
    /// killed. Returns the exit status of each child that exited by itself (0 is a clean shutdown) and the signal
    /// number, negated, of each that did not.
    package func stopAll(timeout: Duration = .seconds(20)) async throws -> [Int32] {
        let processes = running.withLock { processes in
            defer { processes.removeAll() }
            return processes
        }
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = ContinuousClock.now + timeout
        while processes.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        var statuses: [Int32] = []
        for process in processes {
            try await waitForExit(of: process, within: .seconds(10))
            statuses.append(
                process.terminationReason == .exit ? process.terminationStatus : -process.terminationStatus
            )
        }
        return statuses
    }

    /// SIGTERMs the oldest running child and waits up to `timeout` for it; returns its exit status (negated signal
    /// number when it had to be killed), or nil when none was running.
    package func stopOldest(timeout: Duration = .seconds(20)) async throws -> Int32? {
        let oldest = running.withLock { processes -> Process? in
            processes.removeAll { !$0.isRunning }
            return processes.isEmpty ? nil : processes.removeFirst()
        }
        guard let oldest else { return nil }
        kill(oldest.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + timeout
        while oldest.isRunning, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if oldest.isRunning { kill(oldest.processIdentifier, SIGKILL) }
        try await waitForExit(of: oldest, within: .seconds(10))
        return oldest.terminationReason == .exit ? oldest.terminationStatus : -oldest.terminationStatus
    }

    /// SIGKILLs every child without waiting; for cleanup after a failure.
    package func killAll() {
        for process in running.withLock({ $0 }) where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    /// Polls until `process` has been reaped (Foundation reaps its children on SIGCHLD).
    private func waitForExit(of process: Process, within timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw WorkerProcessError("worker process \(process.processIdentifier) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

/// A worker process could not be found, started or stopped; the message names the process and what to check.
struct WorkerProcessError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
