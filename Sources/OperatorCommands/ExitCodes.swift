import ArgumentParser

/// The exit codes `syncctl` documents in its help.
extension ExitCode {
    /// A portal, key or message that the command names does not exist.
    static let notFound = ExitCode(3)
}
