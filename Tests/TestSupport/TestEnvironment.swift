package import Foundation

/// Where integration tests find the real services, and what to do when one is missing.
///
/// Tests read the same variables as every executable (`AMQP_URL`, `DATABASE_URL`), with the local defaults of
/// `infra/dev.sh`. Under `CI=true` a service that cannot be reached is a failure, never a skip.
package enum TestEnvironment {
    package static var amqpURL: String {
        ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"
    }

    package static var databaseURL: String {
        ProcessInfo.processInfo.environment["DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5442/syncfleet"
    }

    /// The RabbitMQ management API with credentials, for tests that create a virtual host of their own.
    package static var managementURL: String {
        ProcessInfo.processInfo.environment["RABBITMQ_MANAGEMENT_URL"] ?? "http://guest:guest@127.0.0.1:15682"
    }

    /// True when running under CI: a missing service must fail the suite.
    package static var isCI: Bool {
        ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Whether a TCP connection to `host:port` can be opened within a second.
    package static func canConnect(host: String, port: Int) -> Bool {
        TCPProbe.canConnect(host: host, port: port)
    }

    /// The repository's root folder, found from this source file's location, so tests read `schemas/` and `infra/`.
    package static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// The repository's `schemas/` folder: the contract, the JSON schemas and the SQL migrations.
    package static var schemasFolder: URL { repositoryRoot.appendingPathComponent("schemas") }
}
