import Foundation
import Logging
import Synchronization

/// The one OS thread that owns a librabbitmq connection for its whole life.
///
/// The thread creates the session, then loops: run the commands other threads queued in the outbox, `poll` the
/// socket (and a wake-up pipe) for at most 100 ms, read one frame or delivery, release buffers. Returning to the
/// library at least every 100 ms services heartbeats. When the connection dies it reconnects with exponential
/// backoff and lets the role set the channel up again. Async callers only touch the `Sendable` outbox.
final class AMQPIOThread<Role: AMQPRole>: Sendable {
    /// Work for the I/O thread: `run` gets the live session, or `fail` is called exactly once instead.
    struct Command: Sendable {
        let run: @Sendable (AMQPSession, Role) throws(AMQPError) -> Void
        let fail: @Sendable (AMQPError) -> Void
    }

    private struct Outbox {
        var commands: [Command] = []
        var stopRequested = false
        var finished = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private static var pollInterval: Duration { .milliseconds(100) }

    private let outbox = Mutex(Outbox())
    private let wakeup: AMQPWakeup
    private let configuration: AMQPConfiguration
    private let logger: Logger

    private init(configuration: AMQPConfiguration, logger: Logger) throws(AMQPError) {
        self.configuration = configuration
        self.logger = logger
        self.wakeup = try AMQPWakeup()
    }

    /// Starts a thread and returns once its first connection is up (or throws why it is not).
    static func start(
        name: String,
        configuration: AMQPConfiguration,
        logger: Logger,
        makeRole: @escaping @Sendable () -> Role
    ) async throws -> AMQPIOThread {
        let thread = try AMQPIOThread(configuration: configuration, logger: logger)
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let osThread = Thread { thread.run(makeRole: makeRole, started: started) }
            osThread.name = name
            osThread.start()
        }
        return thread
    }

    /// Queues a command; fails it with `.closed` when the connection is closing or closed.
    func submit(_ command: Command) {
        let accepted = outbox.withLock { box in
            guard !box.stopRequested, !box.finished else { return false }
            box.commands.append(command)
            return true
        }
        if accepted {
            wakeup.signal()
        } else {
            command.fail(AMQPError(.closed, "the AMQP connection was closed by this process: open a new one"))
        }
    }

    /// Runs `body` on the I/O thread and returns its result.
    func perform<Result: Sendable>(
        _ body: @escaping @Sendable (AMQPSession, Role) throws(AMQPError) -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            submit(
                Command(
                    run: { session, role throws(AMQPError) in continuation.resume(returning: try body(session, role)) },
                    fail: { continuation.resume(throwing: $0) }
                )
            )
        }
    }

    /// Asks the thread to finish the queued commands, close politely and exit, without waiting.
    func requestStop() {
        outbox.withLock { $0.stopRequested = true }
        wakeup.signal()
    }

    /// Asks the thread to close and waits until it has exited.
    func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyFinished = outbox.withLock { box in
                box.stopRequested = true
                if box.finished { return true }
                box.exitWaiters.append(continuation)
                return false
            }
            if alreadyFinished { continuation.resume() }
        }
        wakeup.signal()
    }

    // MARK: - The I/O thread

    private func run(makeRole: @Sendable () -> Role, started: CheckedContinuation<Void, any Error>) {
        let role = makeRole()
        var session: AMQPSession?
        do {
            session = try connect(role: role)
        } catch {
            role.finished(error)
            finish(failing: error)
            started.resume(throwing: error)
            return
        }
        started.resume()
        logger.debug("amqp connection up", metadata: ["amqp.host": "\(configuration.host)"])

        var deferred: [Command] = []
        var backoff = configuration.reconnectDelayMin
        var nextAttempt = ContinuousClock.now
        var lastInbound = ContinuousClock.now
        var drainDeadline: ContinuousClock.Instant?
        var terminalError: AMQPError?

        ioLoop: while true {
            let (commands, stopRequested) = outbox.withLock { box in
                let taken = box.commands
                box.commands.removeAll()
                return (taken, box.stopRequested)
            }
            deferred += commands

            guard let live = session else {
                // Disconnected: wait for the next attempt, then reconnect (or fail what waits if it fails).
                if stopRequested { break ioLoop }
                let now = ContinuousClock.now
                if now < nextAttempt {
                    _ = wakeup.wait(socket: -1, timeout: min(nextAttempt - now, Self.pollInterval))
                    continue
                }
                do {
                    session = try connect(role: role)
                    logger.info("amqp connection re-established", metadata: ["amqp.host": "\(configuration.host)"])
                    backoff = configuration.reconnectDelayMin
                    lastInbound = .now
                } catch {
                    if role.shouldGiveUp(after: error) {
                        terminalError = error
                        break ioLoop
                    }
                    logger.info(
                        "amqp reconnect failed",
                        metadata: ["error": "\(error)", "amqp.retry_in": "\(backoff)"]
                    )
                    let failure = AMQPError(
                        .connectionLost,
                        "RabbitMQ is unreachable (\(error.message)); retry later",
                        scope: .connection
                    )
                    for command in deferred { command.fail(failure) }
                    deferred.removeAll()
                    nextAttempt = .now + backoff
                    backoff = min(backoff * 2, configuration.reconnectDelayMax)
                }
                continue
            }

            var giveUpError: AMQPError?
            /// Reopens a channel the broker closed; marks the session dead if that fails.
            func restoreChannel() {
                guard live.isAlive, !live.isChannelOpen else { return }
                do {
                    try reopenChannel(live, role: role)
                } catch {
                    if role.shouldGiveUp(after: error) { giveUpError = error }
                    live.markDead()
                }
            }
            restoreChannel()
            var executed = 0
            while executed < deferred.count, live.isAlive, live.isChannelOpen {
                let command = deferred[executed]
                executed += 1
                do {
                    try command.run(live, role)
                } catch {
                    command.fail(error)
                    if !live.isChannelOpen || !live.isAlive { role.sessionEnded(error) }
                    restoreChannel()
                }
            }
            // Whatever did not run (the connection died) runs after the reconnect.
            deferred.removeFirst(executed)
            if let giveUpError {
                terminalError = giveUpError
                break ioLoop
            }
            if stopRequested {
                let deadline = drainDeadline ?? .now + configuration.confirmTimeout
                drainDeadline = deadline
                if !role.hasWorkInFlight || ContinuousClock.now >= deadline || !live.isAlive { break ioLoop }
            }
            role.tick(now: .now)

            guard live.isAlive else {
                // Commands still in `deferred` run after the reconnect.
                lose(live, role: role)
                session = nil
                nextAttempt = .now + backoff
                continue
            }

            // Wait for inbound traffic or a wake-up, then read one frame so heartbeats keep flowing.
            if live.hasBufferedInput {
                lastInbound = .now
            } else {
                let readiness = wakeup.wait(socket: live.socketDescriptor, timeout: Self.pollInterval)
                if readiness.socketReadable {
                    lastInbound = .now
                } else if readiness.woken {
                    continue
                } else if configuration.heartbeat > .zero,
                    ContinuousClock.now - lastInbound > configuration.heartbeat * 3
                {
                    logger.info("amqp broker silent for three heartbeat intervals; reconnecting")
                    live.markDead()
                    continue
                }
            }
            do {
                try role.readInbound(live)
            } catch {
                logger.debug("amqp inbound error", metadata: ["error": "\(error)"])
                if !live.isChannelOpen || !live.isAlive { role.sessionEnded(error) }
            }
            if live.isAlive { live.releaseBuffers() }
        }

        let closing = AMQPError(.closed, "the AMQP connection was closed by this process: open a new one")
        for command in deferred { command.fail(closing) }
        if let live = session {
            role.sessionEnded(terminalError ?? closing)
            live.close()
        }
        role.finished(terminalError)
        finish(failing: closing)
    }

    private func connect(role: Role) throws(AMQPError) -> AMQPSession {
        let session = try AMQPSession.open(configuration)
        do {
            try role.sessionStarted(session)
        } catch {
            session.destroy()
            throw error
        }
        return session
    }

    private func reopenChannel(_ session: AMQPSession, role: Role) throws(AMQPError) {
        try session.openChannel()
        try role.sessionStarted(session)
        logger.info("amqp channel reopened")
    }

    private func lose(_ session: AMQPSession, role: Role) {
        logger.info("amqp connection lost; reconnecting", metadata: ["amqp.host": "\(configuration.host)"])
        role.sessionEnded(
            AMQPError(
                .connectionLost,
                "the connection to RabbitMQ was lost before the broker answered; retry the operation",
                scope: .connection
            )
        )
        session.destroy()
    }

    private func finish(failing error: AMQPError) {
        let (commands, waiters) = outbox.withLock { box in
            box.finished = true
            let taken = (box.commands, box.exitWaiters)
            box.commands.removeAll()
            box.exitWaiters.removeAll()
            return taken
        }
        for command in commands { command.fail(error) }
        for waiter in waiters { waiter.resume() }
    }
}
