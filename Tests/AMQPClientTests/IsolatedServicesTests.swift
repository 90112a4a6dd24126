import AMQPClient
import PQClient
import TestSupport
import Testing

/// The private virtual host and database that fleet-wide integration suites rely on are really private and really
/// removed afterwards.
@Suite("Isolated services")
struct IsolatedServicesTests {
    @Test("a queue and a table made inside are invisible outside, and both vanish afterwards")
    func privateAndRemoved() async throws {
        let name = try await IsolatedServices.with { services in
            let inside = try await AMQPConnection.connect(configuration: try AMQPConfiguration(url: services.amqpURL))
            try await inside.declareQueue("isolation.probe", durable: false, autoDelete: false)
            await inside.close()
            let pool = PQPool(configuration: try PQConfiguration(url: services.databaseURL), maxConnections: 1)
            defer { pool.close() }
            try await pool.execute("CREATE TABLE isolation_probe (id int)")
            let database = try await pool.query("SELECT current_database() AS name").map {
                try $0.decode(String.self, column: "name")
            }
            #expect(database == [services.virtualHost])

            let outside = try await AMQPConnection.connect(
                configuration: try AMQPConfiguration(url: TestEnvironment.amqpURL)
            )
            await #expect(throws: (any Error).self) { try await outside.declareQueuePassive("isolation.probe") }
            await outside.close()
            return services.virtualHost
        }
        let pool = PQPool(configuration: try PQConfiguration(url: TestEnvironment.databaseURL), maxConnections: 1)
        defer { pool.close() }
        let left = try await pool.query("SELECT count(*)::int8 AS n FROM pg_database WHERE datname = \(name)").map {
            try $0.decode(Int64.self, column: "n")
        }
        #expect(left == [0])
    }
}
