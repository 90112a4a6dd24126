import Foundation
import SyncCore
import TestSupport
import Testing

/// Where processes find the contract, and what they are told when it is wrong.
@Suite struct ContractLoadingTests {
    let root = TestEnvironment.repositoryRoot
    let shipped: String

    init() throws {
        shipped = try String(
            contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("schemas/contract.json"),
            encoding: .utf8
        )
    }

    private func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synccore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func syncContractOverridesThePath() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("custom.json")
        try shipped.replacingOccurrences(of: "\"maxRetries\": 3", with: "\"maxRetries\": 9")
            .write(to: file, atomically: true, encoding: .utf8)
        // The current directory holds the shipped contract; the override must still win.
        let contract = try IntegrationContract.loadDefault(
            environment: ["SYNC_CONTRACT": file.path],
            currentDirectory: root,
            executablePath: nil
        )
        #expect(contract.retryPolicy(for: .delete).maxRetries == 9)
        let shippedContract = try IntegrationContract.loadDefault(
            environment: [:],
            currentDirectory: root,
            executablePath: nil
        )
        #expect(shippedContract.retryPolicy(for: .delete).maxRetries == 3)
    }

    @Test func aMissingOverrideIsAnErrorNamingTheFile() {
        let missing = "/nonexistent/contract-\(UUID().uuidString).json"
        let error = #expect(throws: ContractError.self) {
            try IntegrationContract.loadDefault(
                environment: ["SYNC_CONTRACT": missing],
                currentDirectory: root,
                executablePath: nil
            )
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description.contains(missing) == true)
    }

    @Test func theSearchWalksUpFromTheCurrentDirectory() throws {
        let nested = root.appendingPathComponent("Sources/SyncCore", isDirectory: true)
        let contract = try IntegrationContract.loadDefault(
            environment: [:],
            currentDirectory: nested,
            executablePath: nil
        )
        #expect(contract.entity(named: "deal")?.entityTypeId == 2)
    }

    @Test func theSearchLooksBesideTheExecutable() throws {
        let elsewhere = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let executable = root.appendingPathComponent(".build/debug/upsert-worker").path
        let contract = try IntegrationContract.loadDefault(
            environment: [:],
            currentDirectory: elsewhere,
            executablePath: executable
        )
        #expect(contract.retryPolicy(for: .upsert).maxRetries == 6)
        let candidates = SchemasDirectory.candidates(
            environment: [:],
            currentDirectory: elsewhere,
            executablePath: executable
        )
        let paths = candidates.map(\.standardizedFileURL.path)
        #expect(paths.first == elsewhere.appendingPathComponent("schemas").standardizedFileURL.path)
        #expect(paths.contains(root.appendingPathComponent("schemas").standardizedFileURL.path))
    }

    @Test func thisProcessFindsTheSchemasFromItsOwnExecutable() throws {
        let elsewhere = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let found = try SchemasDirectory.locate(
            file: "erp.change.v1.schema.json",
            environment: [:],
            currentDirectory: elsewhere
        )
        #expect(found.standardizedFileURL.path.hasSuffix("/schemas/erp.change.v1.schema.json"))
        let validator = try JSONSchemaValidator.loadDefault(
            named: "b24.change.v1",
            environment: [:],
            currentDirectory: elsewhere
        )
        #expect(validator.name == "b24.change.v1")
    }

    @Test func syncSchemasDirOverridesTheSearch() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try #"{"title": "tiny", "type": "string"}"#.write(
            to: folder.appendingPathComponent("tiny.schema.json"),
            atomically: true,
            encoding: .utf8
        )
        let validator = try JSONSchemaValidator.loadDefault(
            named: "tiny",
            environment: ["SYNC_SCHEMAS_DIR": folder.path],
            currentDirectory: root
        )
        #expect(validator.validate("x").isEmpty && validator.validate(1).count == 1)
        #expect(throws: ContractError.self) {
            try IntegrationContract.loadDefault(environment: ["SYNC_SCHEMAS_DIR": folder.path], currentDirectory: root)
        }
    }

    @Test func nothingFoundListsWhereItLooked() throws {
        let elsewhere = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let error = #expect(throws: ContractError.self) {
            try IntegrationContract.loadDefault(environment: [:], currentDirectory: elsewhere, executablePath: nil)
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description.contains(elsewhere.appendingPathComponent("schemas").path) == true)
        #expect(error?.description.contains("SYNC_SCHEMAS_DIR") == true)
    }

    @Test func malformedJSONSaysWhere() throws {
        let error = #expect(throws: ContractError.self) {
            try IntegrationContract.decode(Data("{\"version\": 1,".utf8), file: "/etc/contract.json")
        }
        #expect(error?.code == .malformedJSON)
        #expect(error?.description.contains("/etc/contract.json") == true)
        #expect(error?.description.contains("byte") == true)
    }

    @Test func aMissingOperationRowIsInvalidContent() throws {
        var document = try JSONValue(parsing: shipped)
        guard case .object(var object) = document, case .array(let rows) = object["operations"] else {
            Issue.record("contract has no operations array")
            return
        }
        object["operations"] = .array(rows.filter { $0["operation"] != "delete" })
        document = .object(object)
        let error = #expect(throws: ContractError.self) {
            try IntegrationContract.decode(Data(document.compactString.utf8), file: "trimmed.json")
        }
        #expect(error?.code == .invalidContent)
        #expect(error?.reason.contains("\"delete\"") == true)
    }

    @Test func aMistypedValueNamesItsPath() throws {
        let broken = shipped.replacingOccurrences(of: "\"errorRate\": 0.03", with: "\"errorRate\": \"3%\"")
        let error = #expect(throws: ContractError.self) {
            try IntegrationContract.decode(Data(broken.utf8), file: "broken.json")
        }
        #expect(error?.code == .invalidContent)
        #expect(error?.reason.contains("/rollback/errorRate") == true)
    }

    @Test func rollbackTripsAboveTheRateOnceEnoughWrites() throws {
        let contract = try IntegrationContract.loadDefault(
            environment: [:],
            currentDirectory: root,
            executablePath: nil
        )
        let rollback = contract.rollback
        #expect(rollback.window == .seconds(900))
        #expect(!rollback.isTripped(failed: 3, total: 100))
        #expect(rollback.isTripped(failed: 4, total: 100))
        #expect(!rollback.isTripped(failed: 5, total: 10), "below minimumWrites")
        #expect(contract.capability(method: "crm.item.delete")?.fallback == .softClose)
        #expect(contract.capability(method: "crm.item.fields")?.fallback == .cachedSchema)
    }
}
