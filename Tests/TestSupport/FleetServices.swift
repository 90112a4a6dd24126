package import AMQPClient
package import CurlHTTP
package import FleetRuntime
import Foundation
package import Logging
package import PQClient
package import SyncCore

/// The fleet set up on a test's own virtual host and database (``IsolatedServices``), with the connections every
/// integration harness needs: the contract, topology and plan from the repository, a database pool, an HTTP client,
/// a publisher and an admin channel.
///
/// The suites' harnesses are built on it (see ``FleetFixture``) and keep only what is particular to them, so that
/// the set-up and the order of the tear-down are written once.
package struct FleetServices: Sendable {
    /// Which contract `syncctl setup` runs with.
    package enum Setup: Sendable {
        /// The repository's contract, then the delay queues of the adjusted one: worker processes started with the
        /// repository's contract find their queues as well as the in-process workers.
        case repositoryContract
        /// The adjusted contract only, as an operator would run it with `SYNC_CONTRACT` pointing at that contract.
        case adjustedContract
    }

    /// The private virtual host and database, for worker processes and `syncctl`.
    package let services: IsolatedServices
    package let logger: Logger
    /// The contract the in-process workers use: the repository's, adjusted by the harness.
    package let contract: IntegrationContract
    /// The `erp.change.v1` schema the workers validate with.
    package let schema: JSONSchemaValidator
    package let topology: TopologyDefinition
    /// The plan of ``contract`` (its retry delay queues are declared).
    package let plan: TopologyPlan
    package let amqp: AMQPConfiguration
    package let pool: PQPool
    package let http: CurlHTTPClient
    package let publisher: AMQPPublisher
    /// A channel for declaring, inspecting and draining queues.
    package let admin: AMQPConnection

    /// Creates isolated services, sets the fleet up in them as `syncctl setup` does, runs `body`, and releases
    /// everything (connections, pool, HTTP client, virtual host and database), also when `body` throws.
    ///
    /// - Parameters:
    ///   - logger: what the fleet's code under test logs to.
    ///   - maxConnections: the database pool's size; in-process workers each lease a few.
    ///   - setup: which contract the topology is declared from.
    ///   - shortBackoff: whether the workers' contract has every backoff shortened to 50 ms .. 200 ms, so that
    ///     retries and dead-lettering take moments; the retry counts and the errors stay the contract's.
    ///   - adjust: further changes to the workers' contract (a shorter rollback window, a polling interval).
    package static func run(
        logger: Logger,
        maxConnections: Int,
        setup: Setup = .repositoryContract,
        shortBackoff: Bool = true,
        adjust: @Sendable (inout IntegrationContract) -> Void = { _ in },
        _ body: @Sendable (FleetServices) async throws -> Void
    ) async throws {
        try await IsolatedServices.with { services in
            let repositoryContract = try IntegrationContract.load(
                from: TestEnvironment.schemasFolder.appendingPathComponent("contract.json")
            )
            var contract = repositoryContract
            if shortBackoff {
                for index in contract.operations.indices {
                    contract.operations[index].backoff.minSeconds = 0.05
                    contract.operations[index].backoff.maxSeconds = 0.2
                }
            }
            adjust(&contract)
            let topology = try TopologyDefinition.load(
                from: TestEnvironment.repositoryRoot.appendingPathComponent("infra/rabbitmq/topology.json")
            )
            let plan = try TopologyPlan(definition: topology, contract: contract)
            let schema = try JSONSchemaValidator.load(
                from: TestEnvironment.schemasFolder.appendingPathComponent("erp.change.v1.schema.json")
            )
            let amqp = try AMQPConfiguration(url: services.amqpURL)
            let pool = try PQPool(url: services.databaseURL, maxConnections: maxConnections, logger: logger)
            let http = CurlHTTPClient(
                configuration: CurlHTTPConfiguration(connectTimeout: .seconds(5), totalTimeout: .seconds(20)),
                logger: logger
            )
            defer {
                pool.close()
                http.shutdown()
            }
            let admin = try await AMQPConnection.connect(configuration: amqp)
            do {
                let setupPlan = try TopologyPlan(
                    definition: topology,
                    contract: setup == .repositoryContract ? repositoryContract : contract
                )
                let migrations = TestEnvironment.schemasFolder.appendingPathComponent("sql")
                _ = try await FleetSetup(plan: setupPlan, logger: logger).run(
                    pool: pool,
                    migrations: migrations,
                    broker: admin
                )
                if setup == .repositoryContract {
                    // The delay queues of the adjusted backoff, beside the repository's.
                    try await FleetSetup(plan: plan, logger: logger).declare(on: admin)
                }
                let publisher = try await AMQPPublisher.connect(configuration: amqp)
                do {
                    try await body(
                        FleetServices(
                            services: services,
                            logger: logger,
                            contract: contract,
                            schema: schema,
                            topology: topology,
                            plan: plan,
                            amqp: amqp,
                            pool: pool,
                            http: http,
                            publisher: publisher,
                            admin: admin
                        )
                    )
                } catch {
                    await publisher.close()
                    throw error
                }
                await publisher.close()
            } catch {
                await admin.close()
                throw error
            }
            await admin.close()
        }
    }

    /// A logger that shows only errors, for suites that do not read the fleet's log.
    package static func errorLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }
}
