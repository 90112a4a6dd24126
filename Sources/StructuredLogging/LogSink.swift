import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where JSON log lines go: standard output by default, a ``LogLineRecorder`` in tests.
///
/// A sink receives one complete line (newline included) per call and must write it in one piece, so lines from
/// concurrent loggers (and processes sharing the stream) never interleave.
package struct LogSink: Sendable {
    private let writeLine: @Sendable ([UInt8]) -> Void

    /// A sink calling `writeLine` with each line's UTF-8 bytes, trailing newline included.
    package init(_ writeLine: @escaping @Sendable ([UInt8]) -> Void) {
        self.writeLine = writeLine
    }

    package func write(_ line: [UInt8]) {
        writeLine(line)
    }

    /// Standard output, one `write(2)` per line under a process-wide lock.
    package static let standardOutput = LogSink.fileDescriptor(1)

    /// Standard error, for tools whose stdout is data.
    package static let standardError = LogSink.fileDescriptor(2)

    private static let writeLock = Mutex<Void>(())

    private static func fileDescriptor(_ descriptor: Int32) -> LogSink {
        LogSink { line in
            writeLock.withLock { _ in
                line.withUnsafeBytes { buffer in
                    var offset = 0
                    // One write normally; a partial write (a full pipe, a signal) continues where it stopped.
                    while offset < buffer.count {
                        let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            return
                        }
                        offset += written
                    }
                }
            }
        }
    }
}
