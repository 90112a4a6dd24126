import Foundation
package import Logging

/// A swift-log handler that writes one JSON object per line, so the fleet's logs can be searched by trace id,
/// portal or idempotency key.
///
/// Each line has `time` (ISO 8601 UTC with milliseconds), `level`, `process`, `pid`, `label`, `message`, `source`,
/// `error` when the event carries one, then every metadata key (handler, provider and call metadata, the call
/// winning) at the top level, nested metadata as JSON objects and arrays. A metadata key that collides with one
/// of the fixed keys is written as `meta.<key>`. Every string goes through the ``SecretRedactor`` first.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level
    package var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let process: String
    private let pid: Int32
    private let sink: LogSink
    private let redactor: SecretRedactor

    private static let fixedKeys: Set<String> = [
        "time", "level", "process", "pid", "label", "message", "source", "error",
    ]

    /// - Parameters:
    ///   - label: The logger's label (swift-log passes it to the bootstrap factory).
    ///   - process: The executable's name (`upsert-worker`).
    ///   - level: The minimum level written.
    ///   - sink: Where lines go; standard output by default.
    ///   - redactor: The secrets to hide; the shared redactor by default.
    package init(
        label: String,
        process: String = ProcessInfo.processInfo.processName,
        level: Logger.Level = .info,
        sink: LogSink = .standardOutput,
        redactor: SecretRedactor = .shared,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.process = process
        self.pid = ProcessInfo.processInfo.processIdentifier
        self.logLevel = level
        self.sink = sink
        self.redactor = redactor
        self.metadataProvider = metadataProvider
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let callMetadata = event.metadata { merged.merge(callMetadata) { _, new in new } }

        var line = "{"
        appendMember("time", string: Self.timestamp(), to: &line, first: true)
        appendMember("level", string: event.level.rawValue, to: &line)
        appendMember("process", string: process, to: &line)
        line += ",\"pid\":\(pid)"
        appendMember("label", string: label, to: &line)
        appendMember("message", string: event.message.description, to: &line)
        appendMember("source", string: event.source, to: &line)
        if let error = event.error { appendMember("error", string: "\(error)", to: &line) }
        for key in merged.keys.sorted() {
            let name = Self.fixedKeys.contains(key) ? "meta.\(key)" : key
            line += ","
            appendString(name, to: &line)
            line += ":"
            appendValue(merged[key]!, to: &line)
        }
        line += "}\n"
        sink.write(Array(line.utf8))
    }

    private func appendMember(_ key: String, string value: String, to line: inout String, first: Bool = false) {
        if !first { line += "," }
        appendString(key, to: &line)
        line += ":"
        appendString(value, to: &line)
    }

    private func appendValue(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text):
            appendString(text, to: &line)
        case .stringConvertible(let convertible):
            appendString(convertible.description, to: &line)
        case .array(let elements):
            line += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, to: &line)
            }
            line += "]"
        case .dictionary(let dictionary):
            line += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { line += "," }
                appendString(key, to: &line)
                line += ":"
                appendValue(dictionary[key]!, to: &line)
            }
            line += "}"
        }
    }

    /// Appends `text`, redacted, as a JSON string literal.
    private func appendString(_ text: String, to line: inout String) {
        line += "\""
        for scalar in redactor.redact(text).unicodeScalars {
            switch scalar {
            case "\"": line += "\\\""
            case "\\": line += "\\\\"
            case "\n": line += "\\n"
            case "\r": line += "\\r"
            case "\t": line += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    line += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    line.unicodeScalars.append(scalar)
                }
            }
        }
        line += "\""
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    private static func timestamp() -> String {
        Date().formatted(timeFormat)
    }
}
