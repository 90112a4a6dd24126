package import Foundation

/// Finds the `schemas/` folder (contract, message schemas, SQL migrations) of an installed or checked-out fleet.
///
/// Search order, first match wins:
/// 1. `SYNC_SCHEMAS_DIR`, when set (it must exist: a wrong override is an error, not a fallback);
/// 2. `schemas/` in the current directory;
/// 3. `schemas/` next to the executable or in any of its parent folders (`.build/debug/upsert-worker` finds the
///    checkout's `schemas/`, `/opt/syncfleet/bin/upsert-worker` finds `/opt/syncfleet/schemas`);
/// 4. `schemas/` in any parent of the current directory.
package enum SchemasDirectory {
    /// The environment variable that overrides the search.
    package static let environmentKey = "SYNC_SCHEMAS_DIR"

    /// The folders the search looks at, in order (for error messages and tests).
    package static func candidates(
        environment: [String: String],
        currentDirectory: URL,
        executablePath: String?
    ) -> [URL] {
        if let override = environment[environmentKey], !override.isEmpty {
            return [URL(fileURLWithPath: override, isDirectory: true)]
        }
        var result = [currentDirectory.appendingPathComponent("schemas", isDirectory: true)]
        if let executablePath {
            var folder = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
            result += ancestors(of: &folder).map { $0.appendingPathComponent("schemas", isDirectory: true) }
        }
        var start = currentDirectory.deletingLastPathComponent()
        if start.path != currentDirectory.path {
            result += ancestors(of: &start).map { $0.appendingPathComponent("schemas", isDirectory: true) }
        }
        return result
    }

    /// The first folder of ``candidates(environment:currentDirectory:executablePath:)`` that holds `fileName`.
    ///
    /// - Throws: ``ContractError`` with code `fileNotFound` listing every place looked at.
    package static func locate(
        file fileName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
        executablePath: String? = SchemasDirectory.defaultExecutablePath
    ) throws(ContractError) -> URL {
        let folders = candidates(
            environment: environment,
            currentDirectory: currentDirectory,
            executablePath: executablePath
        )
        for folder in folders {
            let file = folder.appendingPathComponent(fileName)
            if FileManager.default.fileExists(atPath: file.path) { return file }
        }
        let looked = folders.map(\.path).joined(separator: ", ")
        throw ContractError(
            code: .fileNotFound,
            file: fileName,
            reason: "not found in \(looked); run from the repository, or set \(environmentKey) to the schemas folder"
        )
    }

    private static func ancestors(of folder: inout URL) -> [URL] {
        var result: [URL] = []
        while true {
            result.append(folder)
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path || result.count > 64 { return result }
            folder = parent
        }
    }

    /// This process's executable: `argv[0]` when it names a path, else `/proc/self/exe` (started through `PATH`).
    package static var defaultExecutablePath: String? {
        guard let argument = CommandLine.arguments.first, argument.contains("/") else { return "/proc/self/exe" }
        if argument.hasPrefix("/") { return argument }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            .appendingPathComponent(argument).standardizedFileURL.path
    }
}
