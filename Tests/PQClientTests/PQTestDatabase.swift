import Foundation
import PQClient
import TestSupport

/// Gives each integration test a schema of its own in the real database, dropped afterwards.
///
/// Pools built from the returned configuration put that schema first on `search_path`, so tests can use plain
/// table names without colliding with each other or with the application's tables.
enum PQTestDatabase {
    static func baseConfiguration() throws -> PQConfiguration {
        try PQConfiguration(url: TestEnvironment.databaseURL)
    }

    static func withIsolatedSchema(_ body: (PQConfiguration) async throws -> Void) async throws {
        let base = try baseConfiguration()
        let schema = "pqtest_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PQPool(configuration: base, maxConnections: 1)
        defer { admin.close() }
        try await admin.execute("CREATE SCHEMA \(identifier: schema)")
        var configuration = base
        configuration.options["options"] = "-c search_path=\(schema)"
        do {
            try await body(configuration)
        } catch {
            _ = try? await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            throw error
        }
        try await admin.execute("DROP SCHEMA \(identifier: schema) CASCADE")
    }
}
