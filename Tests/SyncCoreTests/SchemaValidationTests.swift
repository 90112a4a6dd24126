import Foundation
import SyncCore
import TestSupport
import Testing

/// The message schemas accept DESIGN.md's examples and report every kind of violation with its JSON pointer.
@Suite struct SchemaValidationTests {
    let erp: JSONSchemaValidator
    let b24: JSONSchemaValidator
    let example: JSONObject

    init() throws {
        let schemas = TestEnvironment.repositoryRoot.appendingPathComponent("schemas")
        erp = try JSONSchemaValidator.load(from: schemas.appendingPathComponent("erp.change.v1.schema.json"))
        b24 = try JSONSchemaValidator.load(from: schemas.appendingPathComponent("b24.change.v1.schema.json"))
        example = try #require(try JSONValue(parsing: DesignExamples.erpChange).objectValue)
    }

    /// Validates the example with `change` applied and returns the violation texts.
    private func violations(_ change: (inout JSONObject) -> Void) -> [String] {
        var object = example
        change(&object)
        return erp.validate(.object(object)).map(\.description)
    }

    @Test func designExamplesAreValid() throws {
        #expect(erp.validate(bytes: Array(DesignExamples.erpChange.utf8)).isEmpty)
        #expect(b24.validate(bytes: Array(DesignExamples.b24Change.utf8)).isEmpty)
        for validator in [erp, b24] {
            for example in validator.schema["examples"]?.arrayValue ?? [] {
                #expect(validator.validate(example).isEmpty)
            }
        }
    }

    /// Where DESIGN.md is at hand, the fixtures are still its examples.
    @Test func fixturesAreDesignsExamples() throws {
        let design = URL(fileURLWithPath: "/work/shared/DESIGN.md")
        guard FileManager.default.fileExists(atPath: design.path) else { return }
        let text = try String(contentsOf: design, encoding: .utf8)
        let blocks = text.components(separatedBy: "```json\n").dropFirst().compactMap {
            $0.components(separatedBy: "```").first
        }
        let parsed = try blocks.map { try JSONValue(parsing: $0) }
        #expect(parsed.contains(try JSONValue(parsing: DesignExamples.erpChange)))
        #expect(parsed.contains(try JSONValue(parsing: DesignExamples.b24Change)))
    }

    @Test func formatViolationsNameTheValue() {
        #expect(violations { $0["changedAt"] = "yesterday" } == [#"/changedAt: "yesterday" is not a date-time"#])
        #expect(
            violations { $0["changedAt"] = "2026-02-30T10:00:00Z" } == [
                #"/changedAt: "2026-02-30T10:00:00Z" is not a date-time"#
            ]
        )
        #expect(violations { $0["messageId"] = "not-a-uuid" } == [#"/messageId: "not-a-uuid" is not a uuid"#])
    }

    @Test func requiredAndAdditionalProperties() {
        #expect(violations { $0["originId"] = nil } == ["/originId: required property is missing"])
        #expect(
            violations { $0["colour"] = "red" } == ["/colour: property is not allowed (additionalProperties is false)"]
        )
        #expect(violations { $0["fields"] = nil } == ["/fields: required property is missing"], "upsert needs fields")
        let delete = violations {
            $0["op"] = "delete"
            $0["fields"] = nil
            $0["id"] = 1001
        }
        #expect(delete.isEmpty, "a delete may name the item by originId and id without fields")
    }

    @Test func typeEnumConstPatternLengthMinimum() {
        #expect(violations { $0["op"] = "merge" } == [#"/op: "merge" is not one of "upsert", "delete""#])
        #expect(violations { $0["schema"] = "erp.change.v2" } == [#"/schema: "erp.change.v2" is not "erp.change.v1""#])
        #expect(
            violations { $0["fields"] = "title=x" } == [#"/fields: "title=x" is not of type object (found string)"#]
        )
        #expect(violations { $0["originId"] = "" } == [#"/originId: "" is shorter than 1 character(s)"#])
        #expect(violations { $0["id"] = 0 } == ["/id: 0 is less than 1"])
        #expect(violations { $0["id"] = 1.5 } == ["/id: 1.5 is not of type integer (found number)"])
        #expect(violations { $0["id"] = 7.0 }.isEmpty, "7.0 is an integer in JSON Schema")
        let portal = violations { $0["portal"] = "Acme Portal" }
        #expect(portal.count == 1 && portal[0].hasPrefix(#"/portal: "Acme Portal" does not match ^"#))
    }

    @Test func everyViolationIsReported() {
        let all = violations {
            $0["schema"] = "v0"
            $0["changedAt"] = 12
            $0["originId"] = nil
            $0["entity"] = "Deal!"
        }
        #expect(all.count == 4)
        #expect(Set(all.map { String($0.prefix { $0 != ":" }) }) == ["/schema", "/changedAt", "/originId", "/entity"])
    }

    @Test func nestedPathsAndArrayItems() throws {
        var object = try #require(try JSONValue(parsing: DesignExamples.b24Change).objectValue)
        object["drift"] = ["title", 5]
        object["kind"] = "merged"
        object["traceId"] = "XYZ"
        let found = b24.validate(.object(object)).map(\.description)
        #expect(found.contains("/drift/1: 5 is not of type string (found integer)"))
        #expect(found.contains(#"/kind: "merged" is not one of "synced", "changed", "deleted", "soft_close""#))
        #expect(found.contains(#"/traceId: "XYZ" does not match ^[0-9a-f]{32}$"#))
        #expect(found.count == 3)
    }

    @Test func notJSONIsOneViolationAtTheRoot() {
        let found = erp.validate(bytes: Array("{\"schema\": ".utf8))
        #expect(found.count == 1)
        #expect(found.first?.path == "")
        #expect(found.first?.description.hasPrefix("/: invalid JSON at byte") == true)
        #expect(erp.validate(.array([])).map(\.description) == ["/: [] is not of type object (found array)"])
    }

    @Test func pointerEscapingAndLocalReferences() throws {
        let schema = try JSONValue(
            parsing: #"""
                {"$defs": {"name": {"type": "string", "minLength": 2}},
                 "type": "object",
                 "properties": {"a/b": {"$ref": "#/$defs/name"}, "c~d": {"$ref": "#/$defs/name"}}}
                """#
        )
        let validator = try JSONSchemaValidator(schema: schema)
        let found = validator.validate(["a/b": "x", "c~d": 3]).map(\.description)
        #expect(
            found == [#"/a~1b: "x" is shorter than 2 character(s)"#, "/c~0d: 3 is not of type string (found integer)"]
        )
    }

    @Test func anInvalidPatternIsRejectedAtLoad() throws {
        let error = #expect(throws: ContractError.self) {
            try JSONSchemaValidator(schema: ["type": "string", "pattern": "(unclosed"])
        }
        #expect(error?.code == .invalidContent)
    }
}
