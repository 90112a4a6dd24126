package import AMQPClient
package import Foundation
package import PQClient
package import SyncCore

/// What every executable reads from its environment, with the local defaults of `infra/dev.sh`.
///
/// Environment variables:
/// - `AMQP_URL`: the broker (`amqp://guest:guest@127.0.0.1:5682/%2F`).
/// - `DATABASE_URL`: PostgreSQL (`postgres://postgres@127.0.0.1:5442/syncfleet`).
/// - `SYNC_CONTRACT`: the integration contract file (default `schemas/contract.json`, see ``IntegrationContract``).
/// - `SYNC_SCHEMAS_DIR`: the `schemas/` folder, when it is not found next to the executable or the current folder.
/// - `SYNC_TOPOLOGY`: the RabbitMQ topology file (default `infra/rabbitmq/topology.json` beside `schemas/`).
package struct FleetEnvironment: Sendable {
    package static let defaultAMQPURL = "amqp://guest:guest@127.0.0.1:5682/%2F"
    package static let defaultDatabaseURL = "postgres://postgres@127.0.0.1:5442/syncfleet"

    package var amqpURL: String
    package var databaseURL: String
    package var variables: [String: String]

    package init(variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
        amqpURL = variables["AMQP_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultAMQPURL
        databaseURL = variables["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultDatabaseURL
    }

    package func amqpConfiguration() throws -> AMQPConfiguration {
        try AMQPConfiguration(url: amqpURL)
    }

    package func databaseConfiguration() throws -> PQConfiguration {
        try PQConfiguration(url: databaseURL)
    }

    package func contract() throws -> IntegrationContract {
        try IntegrationContract.loadDefault(environment: variables)
    }

    /// The `schemas/sql` folder of migrations.
    package func migrationsDirectory() throws -> URL {
        try SchemasDirectory.locate(file: "sql", environment: variables)
    }

    package func topology() throws -> TopologyDefinition {
        if let override = variables["SYNC_TOPOLOGY"], !override.isEmpty {
            return try TopologyDefinition.load(from: URL(fileURLWithPath: override))
        }
        let contractFile = try SchemasDirectory.locate(file: "contract.json", environment: variables)
        let root = contractFile.deletingLastPathComponent().deletingLastPathComponent()
        return try TopologyDefinition.load(from: root.appendingPathComponent("infra/rabbitmq/topology.json"))
    }
}

extension FleetEnvironment {
    /// An integer setting, or nil when unset or not a number.
    package func integer(_ name: String) -> Int? {
        variables[name].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}
