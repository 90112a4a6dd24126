package import Foundation
package import Logging

/// Applies the SQL migration files of a folder (`schemas/sql/*.sql`) in lexical order, each exactly once.
///
/// Each file runs in its own transaction together with its row in
/// `schema_migrations(version text primary key, checksum text, applied_at timestamptz)`, so a file is either
/// fully applied and recorded or not at all. Several processes may start at once: the whole run holds a
/// session-level advisory lock and reads the applied set only after taking it, so every file is applied once.
/// A file whose content changed after it was applied is refused (`.checksumMismatch`) before anything runs.
///
/// - Important: a file must not contain its own `BEGIN`/`COMMIT` nor statements that cannot run in a
///   transaction (`CREATE INDEX CONCURRENTLY`).
package struct PQMigrator: Sendable {
    /// The advisory lock key that serialises migration runs across processes ("SYNCMIGR" in ASCII).
    package static let lockKey: Int64 = 0x5359_4E43_4D49_4752

    package let pool: PQPool
    package let directory: URL
    private let logger: Logger

    package init(pool: PQPool, directory: URL, logger: Logger = PQPool.noOpLogger) {
        self.pool = pool
        self.directory = directory
        self.logger = logger
    }

    /// Applies every file not yet recorded and returns their names, in the order applied.
    ///
    /// - Throws: ``PQError`` `.checksumMismatch` when an applied file changed, `.migrationFailed` naming the file
    ///   whose SQL failed (earlier files stay applied), or the error that prevented reading the folder.
    package func migrate() async throws -> [String] {
        let files = try Self.migrationFiles(in: directory)
        return try await pool.withConnection { connection in
            try await connection.withAdvisoryLock(Self.lockKey) { connection in
                try await apply(files, on: connection)
            }
        }
    }

    nonisolated(nonsending) private func apply(_ files: [MigrationFile], on connection: PQConnection) async throws
        -> [String]
    {
        try await connection.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        var applied: [String: String] = [:]
        for row in try await connection.query("SELECT version, checksum FROM schema_migrations") {
            applied[try row.decode(String.self, column: "version")] = try row.decode(String.self, column: "checksum")
        }
        for file in files {
            if let recorded = applied[file.name], recorded != file.checksum {
                throw PQError(
                    code: .checksumMismatch,
                    message: "migration \(file.name) changed after it was applied "
                        + "(recorded checksum \(recorded), file checksum \(file.checksum))"
                )
            }
        }
        var appliedNow: [String] = []
        for file in files where applied[file.name] == nil {
            do {
                try await connection.withTransaction { transaction in
                    try await transaction.executeScript(file.sql)
                    try await transaction.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES (\(file.name), \(file.checksum))"
                    )
                }
            } catch let error as PQError where error.code != .connectionLost {
                var failure = error
                failure.code = .migrationFailed
                failure.message = "migration \(file.name) failed: \(error.message)"
                throw failure
            }
            logger.info("migration applied", metadata: ["pq.migration": "\(file.name)"])
            appliedNow.append(file.name)
        }
        return appliedNow
    }

    /// One migration file: its name (the version), its SQL and the SHA-256 of its bytes.
    struct MigrationFile: Sendable {
        let name: String
        let sql: String
        let checksum: String
    }

    /// The `.sql` files of `directory`, in lexical order of their names.
    static func migrationFiles(in directory: URL) throws -> [MigrationFile] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try names.map { name in
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            return MigrationFile(
                name: name,
                sql: String(decoding: bytes, as: UTF8.self),
                checksum: SHA256Digest.hexDigest(of: Array(bytes))
            )
        }
    }
}
