package import FleetRuntime
package import ServiceLifecycle
package import WritePath

/// In-process workers built from the fleet's real processing graphs, so that a test exercises what the worker
/// executables run, only with the harness's contract and connections.
extension FleetFixture {
    /// The work queue of `operation` and the router that sends its failures to the retry delay queues and the
    /// dead-letter queue, as the executables wire them.
    package func route(_ operation: String) throws -> (queue: String, router: MessageRouter) {
        guard let work = topology.workQueue(forOperation: operation), let schedule = plan.retrySchedules[operation]
        else {
            throw HarnessError("the topology has no work queue for \(operation)")
        }
        let router = MessageRouter(
            operation: operation,
            schedule: schedule,
            deadLetterQueue: topology.deadLetterQueue(of: work.name),
            publisher: publisher
        )
        return (work.name, router)
    }

    /// A consumer of `role`'s queue with a processing graph of its own (as a separate replica has), built by
    /// ``WriteWorkerApplication/makeProcess`` from the harness's contract.
    package func writeConsumer(
        _ role: WriteWorkerApplication.Role,
        batchSize: Int,
        lanes: Int,
        intake: IntakeGate? = nil,
        inFlightWindow: Duration = UpsertProcessor.defaultInFlightWindow,
        operatingBudgetSeconds: Double = OperatingTimePacer.defaultBudgetSeconds
    ) throws -> BatchingConsumer {
        let (queue, router) = try route(role.rawValue)
        let process = try WriteWorkerApplication.makeProcess(
            role,
            contract: contract,
            schema: schema,
            pool: pool,
            http: http,
            publisher: publisher,
            router: router,
            logger: logger,
            inFlightWindow: inFlightWindow,
            operatingBudgetSeconds: operatingBudgetSeconds
        )
        return BatchingConsumer(
            settings: BatchingConsumer.Settings(queue: queue, prefetch: 200, batchSize: batchSize, lanes: lanes),
            configuration: amqp,
            logger: logger,
            intake: intake,
            process: process
        )
    }

    /// Runs `services` while `body` runs, then shuts them down gracefully (see ``withServiceGroup(running:logger:_:)``).
    package func withServices<Result: Sendable>(
        _ services: [any Service],
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await withServiceGroup(running: services, logger: logger, body)
    }
}
