import ArgumentParser

/// The exit codes of the operations commands (drain, replay, dead, ledger, preflight, report).
extension ExitCode {
    /// `drain` was refused because the fleet is not paused (`syncctl pause` first).
    static let fleetNotPaused = ExitCode(4)
    /// Another drain, replay or dead replay is running.
    static let moveInProgress = ExitCode(5)
    /// `preflight` found a method or scope the contract requires missing: the portal cannot be synced as is.
    static let checkFailed = ExitCode(6)
}

extension OperatorCommandError {
    /// The exit code `syncctl` ends with for this error.
    var exitCode: ExitCode {
        switch code {
        case .fleetNotPaused: .fleetNotPaused
        case .moveInProgress: .moveInProgress
        case .notFound: .notFound
        case .checkFailed: .checkFailed
        case .confirmationRequired, .unknownQueue: .validationFailure
        default: .failure
        }
    }
}

/// Runs a command body, turning an ``OperatorCommandError`` into its message on standard error and its exit code.
func reportingOperatorErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as OperatorCommandError {
        FileHandleOutput.standardError("syncctl: \(error.message)")
        throw error.exitCode
    }
}
