package import Foundation

extension IntegrationContract {
    /// The environment variable naming the contract file; it wins over every other place.
    package static let environmentKey = "SYNC_CONTRACT"

    /// Reads and checks a contract file.
    ///
    /// - Throws: ``ContractError`` naming the file: missing, unreadable, not JSON, or missing what the code needs.
    package static func load(from url: URL) throws(ContractError) -> IntegrationContract {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw ContractError(code: .fileNotFound, file: path, reason: "no such file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ContractError(code: .unreadableFile, file: path, reason: "\(error)")
        }
        return try decode(data, file: path)
    }

    /// Reads the contract from where a process expects it.
    ///
    /// Search order, first match wins:
    /// 1. the file named by `SYNC_CONTRACT`, when set (it must exist; a wrong override is an error);
    /// 2. `contract.json` in the folder found by ``SchemasDirectory`` (`SYNC_SCHEMAS_DIR`, then `schemas/` in the
    ///    current directory, next to the executable or in its parent folders, then in the current directory's
    ///    parents).
    package static func loadDefault(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
        executablePath: String? = SchemasDirectory.defaultExecutablePath
    ) throws(ContractError) -> IntegrationContract {
        if let override = environment[environmentKey], !override.isEmpty {
            let url =
                override.hasPrefix("/")
                ? URL(fileURLWithPath: override) : currentDirectory.appendingPathComponent(override)
            return try load(from: url)
        }
        let url = try SchemasDirectory.locate(
            file: "contract.json",
            environment: environment,
            currentDirectory: currentDirectory,
            executablePath: executablePath
        )
        return try load(from: url)
    }

    /// Decodes contract JSON and checks that every worker operation has its row.
    package static func decode(_ data: Data, file: String?) throws(ContractError) -> IntegrationContract {
        do {
            _ = try JSONValue(parsing: data)
        } catch {
            throw ContractError(code: .malformedJSON, file: file, reason: error.description)
        }
        let contract: IntegrationContract
        do {
            contract = try JSONDecoder().decode(IntegrationContract.self, from: data)
        } catch {
            throw ContractError(code: .invalidContent, file: file, reason: describe(error))
        }
        try contract.check(file: file)
        return contract
    }

    private func check(file: String?) throws(ContractError) {
        func fail(_ reason: String) -> ContractError {
            ContractError(code: .invalidContent, file: file, reason: reason)
        }
        for operation in [SyncOperation.pull, .upsert, .delete] {
            let rows = operations.filter { $0.operation == operation }
            guard rows.count == 1 else {
                throw fail("operations must have exactly one \"\(operation.rawValue)\" row, found \(rows.count)")
            }
        }
        let backoffs = operations.map { ($0.operation.rawValue, $0.backoff) } + [("eventIntake", eventIntake.backoff)]
        for (name, backoff) in backoffs where backoff.minSeconds <= 0 || backoff.maxSeconds < backoff.minSeconds {
            throw fail("\(name) backoff must have 0 < minSeconds <= maxSeconds")
        }
        for row in operations where row.idempotencyKey.isEmpty || row.maxRetries < 0 {
            throw fail("\(row.operation.rawValue) needs key parts and maxRetries >= 0")
        }
        guard rollback.errorRate > 0, rollback.errorRate < 1, rollback.windowSeconds > 0 else {
            throw fail("rollback needs 0 < errorRate < 1 and windowSeconds > 0")
        }
        guard polling.intervalSeconds > 0 else { throw fail("polling.intervalSeconds must be positive") }
        guard !entities.isEmpty, Set(entities.map(\.entity)).count == entities.count else {
            throw fail("entities must be non-empty with unique names")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            "/" + context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing member \"\(key.stringValue)\""
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
