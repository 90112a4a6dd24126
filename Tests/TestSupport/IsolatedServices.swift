import CurlHTTP
import Foundation
import PQClient

/// A RabbitMQ virtual host and a PostgreSQL database of one test's own, on the real local services.
///
/// Suites that touch fleet-wide state (the `sync.*` queues, the pause switch, the rollback window, advisory locks)
/// run in one of these so that they can run beside every other suite without seeing its messages or rows. Both are
/// created empty: the test runs `FleetSetup` against them like an operator would, and both are deleted afterwards.
package struct IsolatedServices: Sendable {
    /// `AMQP_URL` pointing at the private virtual host.
    package let amqpURL: String
    /// `DATABASE_URL` pointing at the private database.
    package let databaseURL: String
    /// The virtual host's name, also usable as a unique tag for the test.
    package let virtualHost: String

    /// Creates a virtual host and a database, runs `body`, and deletes both, also when `body` throws.
    package static func with<Result: Sendable>(
        _ body: (IsolatedServices) async throws -> Result
    ) async throws -> Result {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let http = CurlHTTPClient()
        defer { http.shutdown() }
        let management = ManagementAPI(http: http, baseURL: TestEnvironment.managementURL)
        try await management.createVirtualHost(String(name))
        let database = try PQConfiguration(url: TestEnvironment.databaseURL)
        let admin = PQPool(configuration: database, maxConnections: 1)
        defer { admin.close() }
        do {
            try await admin.execute("CREATE DATABASE \(identifier: String(name))")
        } catch {
            try? await management.deleteVirtualHost(String(name))
            throw error
        }
        let services = IsolatedServices(
            amqpURL: replacingVirtualHost(in: TestEnvironment.amqpURL, with: String(name)),
            databaseURL: replacingDatabase(in: TestEnvironment.databaseURL, with: String(name)),
            virtualHost: String(name)
        )
        let result: Result
        do {
            result = try await body(services)
        } catch {
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(identifier: String(name)) WITH (FORCE)")
            try? await management.deleteVirtualHost(String(name))
            throw error
        }
        try await admin.execute("DROP DATABASE IF EXISTS \(identifier: String(name)) WITH (FORCE)")
        try await management.deleteVirtualHost(String(name))
        return result
    }

    /// `amqp://user:pass@host:port/<vhost>` with the path replaced by the new virtual host.
    static func replacingVirtualHost(in url: String, with virtualHost: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.percentEncodedPath = "/" + virtualHost
        return components.string ?? url
    }

    /// `postgres://user@host:port/<database>?…` with the database replaced.
    static func replacingDatabase(in url: String, with database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.percentEncodedPath = "/" + database
        return components.string ?? url
    }
}

/// The few RabbitMQ management calls the tests need: virtual hosts and the guest user's permissions on them.
struct ManagementAPI: Sendable {
    let http: CurlHTTPClient
    let baseURL: String

    func createVirtualHost(_ name: String) async throws {
        try await send(.put, "/api/vhosts/\(name)", body: "{}")
        try await send(
            .put,
            "/api/permissions/\(name)/guest",
            body: #"{"configure":".*","write":".*","read":".*"}"#
        )
    }

    func deleteVirtualHost(_ name: String) async throws {
        try await send(.delete, "/api/vhosts/\(name)", body: nil)
    }

    private func send(_ method: HTTPMethod, _ path: String, body: String?) async throws {
        let request = HTTPRequest(
            method: method,
            url: baseURL + path,
            headers: ["content-type": "application/json"],
            body: body.map { Array($0.utf8) }
        )
        let response = try await http.execute(request)
        guard (200..<300).contains(response.status) else {
            throw ManagementAPIError(method: method.rawValue, path: path, status: response.status)
        }
    }
}

/// The management API refused a call; the message names the call so the broker's log can be searched for it.
struct ManagementAPIError: Error, CustomStringConvertible {
    let method: String
    let path: String
    let status: Int

    var description: String {
        "RabbitMQ management API answered \(status) to \(method) \(path); is the management plugin on "
            + "RABBITMQ_MANAGEMENT_URL (./infra/dev.sh env) running?"
    }
}
