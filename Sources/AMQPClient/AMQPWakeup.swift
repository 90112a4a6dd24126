import Glibc

/// A self-pipe that lets any thread interrupt the I/O thread's `poll` on the broker socket.
///
/// Without it, a publish or an ack queued while the I/O thread waits for inbound frames would sit in the outbox
/// until the wait times out, capping throughput at one batch per poll interval. The descriptors are plain integers
/// and `write`/`read` on a pipe are thread-safe, hence `Sendable`.
final class AMQPWakeup: Sendable {
    private let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// The outcome of one wait.
    struct Readiness {
        var socketReadable = false
        var woken = false
    }

    init() throws(AMQPError) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw AMQPError(.connectionFailed, "cannot create the I/O thread's wake-up pipe (errno \(errno))")
        }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Wakes the I/O thread; cheap and safe to call from any thread, any number of times.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Waits until `socket` is readable, `signal()` was called, or `timeout` passed (a negative socket waits for
    /// the signal only).
    func wait(socket: Int32, timeout: Duration) -> Readiness {
        var descriptors = [
            pollfd(fd: readDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
        ]
        let milliseconds = Int32(
            clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        )
        let count = poll(&descriptors, socket >= 0 ? 2 : 1, max(0, milliseconds))
        var readiness = Readiness()
        guard count > 0 else { return readiness }
        if descriptors[0].revents != 0 {
            readiness.woken = true
            drain()
        }
        readiness.socketReadable = socket >= 0 && descriptors[1].revents != 0
        return readiness
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
    }
}
