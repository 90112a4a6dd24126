package import Foundation

/// Validates documents against one of our JSON Schemas (draft 2020-12) and reports every violation.
///
/// Supports the subset schemas/ uses: `type` (a name or a list), `enum`, `const`, `required`, `properties`,
/// `additionalProperties` (bool or schema), `items`, `minItems`/`maxItems`, `minLength`/`maxLength`, `pattern`,
/// `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`, `format` (`date-time`, `uuid`, `hostname`),
/// `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`, and `$ref` to `#/…` inside the same document. Annotations
/// (`title`, `description`, `examples`, `$comment`) are ignored; an unknown keyword is ignored too, as the
/// specification asks.
package struct JSONSchemaValidator: Sendable {
    /// The schema document.
    package let schema: JSONValue
    /// The schema's `title` (or `$id`), for messages.
    package let name: String
    /// Its patterns, compiled once for every check.
    private let patterns = SchemaPatterns()

    /// Wraps a parsed schema after checking that every `pattern` compiles.
    ///
    /// - Throws: ``ContractError`` with code `invalidContent` for a schema that is not an object or boolean, or
    ///   holds an invalid regular expression.
    package init(schema: JSONValue, file: String? = nil) throws(ContractError) {
        switch schema {
        case .object, .bool: break
        default:
            throw ContractError(
                code: .invalidContent,
                file: file,
                reason: "a JSON Schema must be an object or a boolean"
            )
        }
        if let bad = Self.firstInvalidPattern(in: schema) {
            throw ContractError(code: .invalidContent, file: file, reason: "pattern \(bad) is not a valid regex")
        }
        self.schema = schema
        self.name = schema["title"]?.stringValue ?? schema["$id"]?.stringValue ?? file ?? "schema"
    }

    /// Reads a schema file.
    package static func load(from url: URL) throws(ContractError) -> JSONSchemaValidator {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ContractError(code: .fileNotFound, file: url.path, reason: "cannot read: \(error)")
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsing: data)
        } catch {
            throw ContractError(code: .malformedJSON, file: url.path, reason: error.description)
        }
        return try JSONSchemaValidator(schema: document, file: url.path)
    }

    /// Reads `<name>.schema.json` (e.g. `erp.change.v1`) from the folder ``SchemasDirectory`` finds.
    package static func loadDefault(
        named schemaName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true),
        executablePath: String? = SchemasDirectory.defaultExecutablePath
    ) throws(ContractError) -> JSONSchemaValidator {
        let url = try SchemasDirectory.locate(
            file: "\(schemaName).schema.json",
            environment: environment,
            currentDirectory: currentDirectory,
            executablePath: executablePath
        )
        return try load(from: url)
    }

    /// Every violation of `value`, in document order; empty when the document is valid.
    package func validate(_ value: JSONValue) -> [SchemaViolation] {
        var context = Context(root: schema, patterns: patterns)
        context.check(value, against: schema, at: "")
        return context.violations
    }

    /// Parses and validates a message body; a body that is not JSON is one violation at the document.
    package func validate(bytes: some Sequence<UInt8>) -> [SchemaViolation] {
        do {
            return validate(try JSONValue(parsing: bytes))
        } catch {
            return [SchemaViolation(path: "", message: error.description)]
        }
    }

    /// The first `pattern` of the schema that does not compile, so a bad schema fails at load, not per message.
    private static func firstInvalidPattern(in schema: JSONValue) -> String? {
        switch schema {
        case .object(let object):
            for (key, value) in object {
                if key == "pattern", let pattern = value.stringValue {
                    if (try? Regex(pattern)) == nil { return pattern }
                } else if key != "enum", key != "const", key != "examples", let bad = firstInvalidPattern(in: value) {
                    return bad
                }
            }
            return nil
        case .array(let elements):
            return elements.lazy.compactMap { firstInvalidPattern(in: $0) }.first
        default:
            return nil
        }
    }
}
