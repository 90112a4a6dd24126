import Synchronization

/// Keeps the lines written through its ``sink`` in memory, so tests can parse what a logger wrote.
package final class LogLineRecorder: Sendable {
    private let storage = Mutex<[String]>([])

    package init() {}

    /// A sink that appends each line (without its trailing newline) to ``lines``.
    package var sink: LogSink {
        LogSink { [self] bytes in
            var line = String(decoding: bytes, as: UTF8.self)
            if line.hasSuffix("\n") { line.removeLast() }
            self.storage.withLock { $0.append(line) }
        }
    }

    /// The lines written so far, oldest first.
    package var lines: [String] {
        storage.withLock { $0 }
    }
}
