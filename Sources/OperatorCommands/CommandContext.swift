import AMQPClient
import FleetRuntime
import Foundation
import Logging
import PQClient
import StructuredLogging

/// What every subcommand needs: the environment, a logger, and short-lived connections that it closes.
struct CommandContext {
    let environment = FleetEnvironment()
    let logger: Logger

    init() {
        CommandContext.bootstrapLogging
        logger = Logger(label: "syncctl")
    }

    /// swift-log allows one bootstrap per process; logs go to standard error so that standard output stays data.
    private static let bootstrapLogging: Void = {
        StructuredLogging.bootstrap(process: "syncctl", level: .warning, sink: .standardError)
    }()

    func withDatabase<T>(_ body: (PQPool) async throws -> T) async throws -> T {
        let pool = PQPool(configuration: try environment.databaseConfiguration(), maxConnections: 2, logger: logger)
        defer { pool.close() }
        return try await body(pool)
    }

    func withBroker<T>(_ body: (AMQPConnection) async throws -> T) async throws -> T {
        let connection = try await AMQPConnection.connect(
            configuration: try environment.amqpConfiguration(),
            logger: logger
        )
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Prints `value` as pretty JSON with sorted keys, for `--json`.
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
