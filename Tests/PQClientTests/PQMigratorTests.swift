import Foundation
import PQClient
import Testing

@Suite("PQMigrator against the real PostgreSQL")
struct PQMigratorTests {
    private static let files = [
        "0001_create.sql": """
        CREATE TABLE widgets (id int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE side_effects (file text NOT NULL);
        INSERT INTO side_effects VALUES ('0001');
        """,
        "0002_seed.sql": """
        INSERT INTO side_effects VALUES ('0002');
        INSERT INTO widgets VALUES (1, 'first; with a semicolon');
        """,
        "0003_alter.sql": """
        -- a comment with a quote: it's fine
        ALTER TABLE widgets ADD COLUMN note text;
        INSERT INTO side_effects VALUES ('0003');
        """,
    ]

    @Test func parallelRunsApplyEachFileExactlyOnce() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let directory = try Self.makeDirectory(Self.files)
            defer { try? FileManager.default.removeItem(at: directory) }
            let firstPool = PQPool(configuration: configuration, maxConnections: 2)
            let secondPool = PQPool(configuration: configuration, maxConnections: 2)
            defer {
                firstPool.close()
                secondPool.close()
            }

            async let first = PQMigrator(pool: firstPool, directory: directory).migrate()
            async let second = PQMigrator(pool: secondPool, directory: directory).migrate()
            let (firstApplied, secondApplied) = try await (first, second)

            #expect((firstApplied + secondApplied).sorted() == ["0001_create.sql", "0002_seed.sql", "0003_alter.sql"])
            #expect(firstApplied.isEmpty || secondApplied.isEmpty)
            let effects = try await firstPool.query("SELECT file FROM side_effects ORDER BY file")
                .map { try $0.decode(String.self, column: "file") }
            #expect(effects == ["0001", "0002", "0003"])
            let recorded = try await firstPool.query("SELECT version FROM schema_migrations ORDER BY version")
                .map { try $0.decode(String.self, column: "version") }
            #expect(recorded == ["0001_create.sql", "0002_seed.sql", "0003_alter.sql"])

            let again = try await PQMigrator(pool: secondPool, directory: directory).migrate()
            #expect(again.isEmpty)
            let effectCount = try await firstPool.query("SELECT count(*) AS n FROM side_effects")
            #expect(try effectCount[0].decode(Int.self, column: "n") == 3)
        }
    }

    @Test func changedChecksumIsRefusedBeforeAnythingRuns() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            let directory = try Self.makeDirectory(Self.files)
            defer { try? FileManager.default.removeItem(at: directory) }
            let pool = PQPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let migrator = PQMigrator(pool: pool, directory: directory)
            #expect(try await migrator.migrate().count == 3)

            try "INSERT INTO side_effects VALUES ('edited');".write(
                to: directory.appendingPathComponent("0002_seed.sql"),
                atomically: true,
                encoding: .utf8
            )
            try "INSERT INTO side_effects VALUES ('0004');".write(
                to: directory.appendingPathComponent("0004_new.sql"),
                atomically: true,
                encoding: .utf8
            )
            let error = await #expect(throws: PQError.self) { try await migrator.migrate() }
            #expect(error?.code == .checksumMismatch)
            #expect(error?.message.contains("0002_seed.sql") == true)
            let effects = try await pool.query("SELECT count(*) AS n FROM side_effects")
            #expect(try effects[0].decode(Int.self, column: "n") == 3)
        }
    }

    @Test func failingFileIsRolledBackAndNotRecorded() async throws {
        try await PQTestDatabase.withIsolatedSchema { configuration in
            var files = Self.files
            files["0004_broken.sql"] = "INSERT INTO side_effects VALUES ('0004'); INSERT INTO nowhere VALUES (1);"
            let directory = try Self.makeDirectory(files)
            defer { try? FileManager.default.removeItem(at: directory) }
            let pool = PQPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }

            let error = await #expect(throws: PQError.self) {
                try await PQMigrator(pool: pool, directory: directory).migrate()
            }
            #expect(error?.code == .migrationFailed)
            #expect(error?.sqlState == "42P01")
            #expect(error?.message.contains("0004_broken.sql") == true)
            let effects = try await pool.query("SELECT file FROM side_effects ORDER BY file")
                .map { try $0.decode(String.self, column: "file") }
            #expect(effects == ["0001", "0002", "0003"])
            let recorded = try await pool.query("SELECT count(*) AS n FROM schema_migrations")
            #expect(try recorded[0].decode(Int.self, column: "n") == 3)
            // The session lock was released: the pool's only connection holds no advisory lock any more.
            let heldLocks = try await pool.query(
                "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
            #expect(try heldLocks[0].decode(Int.self, column: "n") == 0)
        }
    }

    private static func makeDirectory(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pqmigrator-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, sql) in files {
            try sql.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try "not a migration".write(
            to: directory.appendingPathComponent("README.md"),
            atomically: true,
            encoding: .utf8
        )
        return directory
    }
}
