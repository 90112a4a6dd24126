import Foundation
package import Logging

/// Process-wide setup of JSON logging; call once at the top of `main`.
package enum StructuredLogging {
    /// The environment variable that sets the minimum level (`trace` … `critical`, `warn` accepted).
    package static let levelEnvironmentKey = "LOG_LEVEL"

    /// Installs ``JSONLogHandler`` for every `Logger` of the process.
    ///
    /// `LOG_LEVEL` wins over `level`, so operators change verbosity without a rebuild; an unknown value keeps
    /// `level`. swift-log allows one bootstrap per process.
    ///
    /// - Parameters:
    ///   - process: The executable's name as operators know it (`upsert-worker`).
    ///   - level: The level used when `LOG_LEVEL` is unset.
    package static func bootstrap(
        process: String,
        level: Logger.Level = .info,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        sink: LogSink = .standardOutput,
        redactor: SecretRedactor = .shared
    ) {
        let effective = self.level(from: environment, default: level)
        LoggingSystem.bootstrap { label in
            JSONLogHandler(label: label, process: process, level: effective, sink: sink, redactor: redactor)
        }
    }

    /// The level `LOG_LEVEL` names, or `fallback` when it is unset or unknown.
    package static func level(from environment: [String: String], default fallback: Logger.Level) -> Logger.Level {
        guard let text = environment[levelEnvironmentKey]?.lowercased(), !text.isEmpty else { return fallback }
        if text == "warn" { return .warning }
        return Logger.Level(rawValue: text) ?? fallback
    }
}
