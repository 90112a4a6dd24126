package import Testing

/// Polls `condition` every `interval` until it holds; after `timeout` records an issue at the caller's location
/// and throws, so a test never waits on a fixed sleep and never passes on a condition that did not come true.
package func eventually(
    _ what: String,
    timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(50),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    if try await condition() { return }
    Issue.record("timed out after \(timeout) waiting for: \(what)", sourceLocation: sourceLocation)
    throw TimedOut(what: what, timeout: timeout)
}

/// What ``eventually(_:timeout:interval:sourceLocation:_:)`` throws: the condition never held.
package struct TimedOut: Error, CustomStringConvertible {
    package let what: String
    package let timeout: Duration

    package var description: String { "timed out after \(timeout) waiting for: \(what)" }
}
