import AMQPClient
import Bitrix24
import FleetRuntime
import Foundation
import PQClient
import PullPath
import ServiceLifecycle
import SyncCore
import Synchronization
import Testing
import WritePath

extension PortalSideHarness {
    /// Runs a pull worker (its own processing graph, as a replica has), optionally with `pollers` polling-fallback
    /// replicas, and upsert and delete workers when asked, while `body` runs; then shuts them down gracefully.
    func withWorkers<Result: Sendable>(
        upserts: Bool = false,
        deletes: Bool = false,
        pollers: Int = 0,
        _ body: @Sendable () async throws -> Result
    ) async throws -> Result {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let portalsDirectory = PortalDirectory(pool: pool, http: http, freshness: .milliseconds(200))
        guard let pull = topology.workQueue(forOperation: "pull"), let pullSchedule = plan.retrySchedules["pull"] else {
            throw PortalSideTestError("the topology has no pull queue")
        }
        services.append(
            .init(
                service: BatchingConsumer(
                    settings: BatchingConsumer.Settings(queue: pull.name, prefetch: 200, batchSize: 50, lanes: 2),
                    configuration: amqp,
                    logger: logger,
                    process: PullWorkerApplication.makeProcess(
                        contract: contract,
                        pool: pool,
                        http: http,
                        portals: portalsDirectory,
                        publisher: publisher,
                        router: MessageRouter(
                            operation: "pull",
                            schedule: pullSchedule,
                            deadLetterQueue: topology.deadLetterQueue(of: pull.name),
                            publisher: publisher
                        ),
                        logger: logger
                    )
                )
            )
        )
        for replica in 0..<pollers {
            services.append(
                .init(
                    service: PollingFallback(
                        pool: pool,
                        portals: portalsDirectory,
                        events: PortalEventPublisher(publisher: publisher),
                        interval: contract.pollingInterval,
                        tick: .milliseconds(100),
                        replica: "poller-\(replica)",
                        logger: logger
                    )
                )
            )
        }
        for role in [WriteWorkerApplication.Role.upsert, .delete] where role == .upsert ? upserts : deletes {
            guard let work = topology.workQueue(forOperation: role.rawValue),
                let schedule = plan.retrySchedules[role.rawValue]
            else {
                throw PortalSideTestError("the topology has no \(role.rawValue) queue")
            }
            let schemas = TestEnvironmentPaths.schemas
            services.append(
                .init(
                    service: BatchingConsumer(
                        settings: BatchingConsumer.Settings(queue: work.name, prefetch: 200, batchSize: 49, lanes: 1),
                        configuration: amqp,
                        logger: logger,
                        process: try WriteWorkerApplication.makeProcess(
                            role,
                            contract: contract,
                            schema: try JSONSchemaValidator.load(
                                from: schemas.appendingPathComponent("erp.change.v1.schema.json")
                            ),
                            pool: pool,
                            http: http,
                            publisher: publisher,
                            router: MessageRouter(
                                operation: role.rawValue,
                                schedule: schedule,
                                deadLetterQueue: topology.deadLetterQueue(of: work.name),
                                publisher: publisher
                            ),
                            logger: logger
                        )
                    )
                )
            )
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result
            do {
                result = try await body()
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }

    /// Publishes an `erp.change.v1` upsert (or, without fields, a delete) of a deal as the ERP does.
    func publishUpsert(portal: String, originId: String, fields: JSONValue?) async throws {
        let change = ERPChange(
            messageId: UUID().uuidString.lowercased(),
            portal: portal,
            entity: "deal",
            op: fields == nil ? .delete : .upsert,
            originId: originId,
            id: nil,
            changedAt: RFC3339Timestamp(secondsSince1970: Date().timeIntervalSince1970),
            fields: fields
        )
        try await publisher.publish(
            change.jsonValue.compactBytes,
            exchange: "erp.changes",
            routingKey: "deal.\(change.op.rawValue)",
            properties: AMQPProperties(contentType: "application/json", messageID: change.messageId),
            mandatory: true
        )
    }

    /// Everything published on `b24.changes` since the harness started, for `portal`; each must be a valid
    /// `b24.change.v1`.
    func outcomes(portal: String) async throws -> [B24Change] {
        let schema = try JSONSchemaValidator.load(
            from: TestEnvironmentPaths.schemas.appendingPathComponent("b24.change.v1.schema.json")
        )
        let taken = try await drain(outcomesQueue).map { delivery in
            let violations = schema.validate(bytes: delivery.body)
            #expect(violations.isEmpty, "a b24.changes message breaks b24.change.v1: \(violations)")
            return try B24Change.decode(from: Data(delivery.body))
        }
        return collectedOutcomes.withLock { all in
            all += taken
            return all.filter { $0.portal == portal }
        }
    }

    /// Registers `identity` as an OAuth application portal and installs the app through the gateway, as the portal
    /// would post `ONAPPINSTALL`; returns the token pair the install carried.
    func installOAuthPortal(_ identity: PortalSideSimulator.Identity) async throws -> (access: String, refresh: String)
    {
        try await PortalRegistry(pool: pool).save(
            PortalRegistration(
                domain: identity.domain,
                memberID: identity.memberID,
                clientID: identity.clientID,
                clientSecret: identity.clientSecret,
                oauthServer: identity.oauthServer,
                plan: .box
            )
        )
        let tokens = portals.issueTokens(identity.domain)
        let install: JSONObject = [
            "event": "ONAPPINSTALL", "data": ["VERSION": "1", "INSTALLED": "Y"], "ts": "1780000000",
            "auth": [
                "access_token": .string(tokens.access), "refresh_token": .string(tokens.refresh),
                "expires_in": "3600", "domain": .string(identity.domain),
                "client_endpoint": .string(identity.clientEndpoint), "member_id": .string(identity.memberID),
                "application_token": .string(identity.applicationToken),
            ],
        ]
        try await PortalSideSimulator.deliver(
            url: gatewayURL + "/hooks/app/install",
            formBody: Array(Bitrix24QueryEncoding.queryString(install).utf8)
        )
        return tokens
    }

    /// Pull ledger rows of `portal`.
    func pullRows(portal: String) async throws -> Int {
        try await pool.query(
            "SELECT count(*) AS n FROM sync_ledger WHERE portal = \(portal) AND operation = 'pull'"
        ).first?.decode(Int.self, column: "n") ?? 0
    }
}

/// Where the repository's `schemas/` folder is.
enum TestEnvironmentPaths {
    static var schemas: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schemas")
    }
}
