extension JSONSchemaValidator {
    /// One validation run: the root (for `$ref`) and the violations found so far.
    struct Context {
        let root: JSONValue
        let patterns: SchemaPatterns
        var violations: [SchemaViolation] = []
        private var referenceDepth = 0

        init(root: JSONValue, patterns: SchemaPatterns) {
            self.root = root
            self.patterns = patterns
        }

        private mutating func report(_ path: String, _ message: String) {
            violations.append(SchemaViolation(path: path, message: message))
        }

        /// Whether `value` is valid against `schema`, without reporting (for `anyOf`, `oneOf`, `not`, `if`).
        private func passes(_ value: JSONValue, _ schema: JSONValue, at path: String) -> Bool {
            var probe = Context(root: root, patterns: patterns)
            probe.referenceDepth = referenceDepth
            probe.check(value, against: schema, at: path)
            return probe.violations.isEmpty
        }

        mutating func check(_ value: JSONValue, against schema: JSONValue, at path: String) {
            guard case .object(let keywords) = schema else {
                if schema == .bool(false) { report(path, "is not allowed here") }
                return
            }
            if let reference = keywords["$ref"]?.stringValue { checkReference(reference, value, at: path) }
            if let type = keywords["type"] { checkType(type, value, at: path) }
            if let options = keywords["enum"]?.arrayValue, !options.contains(where: { Self.same($0, value) }) {
                let list = options.map(Self.render).joined(separator: ", ")
                report(path, "\(Self.render(value)) is not one of \(list)")
            }
            if let constant = keywords["const"], !Self.same(constant, value) {
                report(path, "\(Self.render(value)) is not \(Self.render(constant))")
            }
            switch value {
            case .string(let text): checkString(text, keywords, at: path)
            case .int, .double: checkNumber(value.doubleValue!, value, keywords, at: path)
            case .object(let object): checkObject(object, keywords, at: path)
            case .array(let elements): checkArray(elements, keywords, at: path)
            case .null, .bool: break
            }
            checkCombinators(value, keywords, at: path)
        }

        private mutating func checkReference(_ reference: String, _ value: JSONValue, at path: String) {
            guard let target = Self.resolve(reference, in: root) else {
                report(path, "schema reference \(reference) cannot be resolved")
                return
            }
            guard referenceDepth < 64 else {
                report(path, "schema reference \(reference) recurses too deeply")
                return
            }
            referenceDepth += 1
            check(value, against: target, at: path)
            referenceDepth -= 1
        }

        private mutating func checkType(_ type: JSONValue, _ value: JSONValue, at path: String) {
            let names = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue].compactMap { $0 }
            let matches = names.contains { name in
                switch name {
                case "integer": value.integerValue != nil
                case "number": value.doubleValue != nil
                default: value.typeName == name
                }
            }
            if !matches {
                let expected = names.joined(separator: " or ")
                report(path, "\(Self.render(value)) is not of type \(expected) (found \(value.typeName))")
            }
        }

        private mutating func checkString(_ text: String, _ keywords: JSONObject, at path: String) {
            let length = text.unicodeScalars.count
            if let minimum = keywords["minLength"]?.integerValue, length < minimum {
                report(path, "\(Self.render(.string(text))) is shorter than \(minimum) character(s)")
            }
            if let maximum = keywords["maxLength"]?.integerValue, length > maximum {
                report(path, "\(Self.render(.string(text))) is longer than \(maximum) character(s)")
            }
            if let pattern = keywords["pattern"]?.stringValue, patterns.matches(text, pattern: pattern) == false {
                report(path, "\(Self.render(.string(text))) does not match \(pattern)")
            }
            if let format = keywords["format"]?.stringValue, !SchemaFormat.accepts(format: format, text) {
                let article = format.first.map { "aeio".contains($0) } == true ? "an" : "a"  // "a uuid"
                report(path, "\(Self.render(.string(text))) is not \(article) \(format)")
            }
        }

        private mutating func checkNumber(_ number: Double, _ value: JSONValue, _ keywords: JSONObject, at path: String)
        {
            let rendered = Self.render(value)
            if let minimum = keywords["minimum"]?.doubleValue, number < minimum {
                report(path, "\(rendered) is less than \(Self.render(keywords["minimum"]!))")
            }
            if let maximum = keywords["maximum"]?.doubleValue, number > maximum {
                report(path, "\(rendered) is greater than \(Self.render(keywords["maximum"]!))")
            }
            if let bound = keywords["exclusiveMinimum"]?.doubleValue, number <= bound {
                report(path, "\(rendered) is not greater than \(Self.render(keywords["exclusiveMinimum"]!))")
            }
            if let bound = keywords["exclusiveMaximum"]?.doubleValue, number >= bound {
                report(path, "\(rendered) is not less than \(Self.render(keywords["exclusiveMaximum"]!))")
            }
        }

        private mutating func checkObject(_ object: JSONObject, _ keywords: JSONObject, at path: String) {
            for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                report(path + "/" + Self.escape(name), "required property is missing")
            }
            let properties = keywords["properties"]?.objectValue ?? JSONObject()
            for (key, member) in object {
                let memberPath = path + "/" + Self.escape(key)
                if let propertySchema = properties[key] {
                    check(member, against: propertySchema, at: memberPath)
                } else if let additional = keywords["additionalProperties"] {
                    if additional == .bool(false) {
                        report(memberPath, "property is not allowed (additionalProperties is false)")
                    } else {
                        check(member, against: additional, at: memberPath)
                    }
                }
            }
        }

        private mutating func checkArray(_ elements: [JSONValue], _ keywords: JSONObject, at path: String) {
            if let minimum = keywords["minItems"]?.integerValue, elements.count < minimum {
                report(path, "has \(elements.count) item(s), fewer than \(minimum)")
            }
            if let maximum = keywords["maxItems"]?.integerValue, elements.count > maximum {
                report(path, "has \(elements.count) item(s), more than \(maximum)")
            }
            if let itemSchema = keywords["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, against: itemSchema, at: path + "/\(index)")
                }
            }
        }

        private mutating func checkCombinators(_ value: JSONValue, _ keywords: JSONObject, at path: String) {
            for subschema in keywords["allOf"]?.arrayValue ?? [] {
                check(value, against: subschema, at: path)
            }
            if let options = keywords["anyOf"]?.arrayValue, !options.contains(where: { passes(value, $0, at: path) }) {
                report(path, "\(Self.render(value)) matches none of the anyOf alternatives")
            }
            if let options = keywords["oneOf"]?.arrayValue {
                let matching = options.filter { passes(value, $0, at: path) }.count
                if matching != 1 {
                    report(path, "\(Self.render(value)) matches \(matching) of the oneOf alternatives, not exactly 1")
                }
            }
            if let negated = keywords["not"], passes(value, negated, at: path) {
                report(path, "\(Self.render(value)) must not match the \"not\" schema")
            }
            if let condition = keywords["if"] {
                if passes(value, condition, at: path) {
                    if let then = keywords["then"] { check(value, against: then, at: path) }
                } else if let otherwise = keywords["else"] {
                    check(value, against: otherwise, at: path)
                }
            }
        }

        /// JSON Schema equality: numbers compare by value (1 equals 1.0), objects ignore member order.
        static func same(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
            switch (lhs, rhs) {
            case (.int, .double), (.double, .int), (.int, .int), (.double, .double):
                return lhs.doubleValue == rhs.doubleValue
            case (.array(let left), .array(let right)):
                return left.count == right.count && zip(left, right).allSatisfy { same($0, $1) }
            case (.object(let left), .object(let right)):
                return left.count == right.count
                    && left.allSatisfy { key, value in
                        right[key].map { same(value, $0) } ?? false
                    }
            default:
                return lhs == rhs
            }
        }

        /// A value as it appears in messages: compact JSON, shortened past 60 characters.
        static func render(_ value: JSONValue) -> String {
            let text = value.compactString
            return text.count > 60 ? String(text.prefix(57)) + "..." : text
        }

        /// Escapes a member name for a JSON pointer (RFC 6901).
        static func escape(_ name: String) -> String {
            var result = ""
            for character in name {
                switch character {
                case "~": result += "~0"
                case "/": result += "~1"
                default: result.append(character)
                }
            }
            return result
        }

        /// Resolves `#/a/b` (RFC 6901 pointer fragments) inside the schema document.
        static func resolve(_ reference: String, in root: JSONValue) -> JSONValue? {
            guard reference.hasPrefix("#") else { return nil }
            let pointer = reference.dropFirst()
            guard !pointer.isEmpty else { return root }
            guard pointer.hasPrefix("/") else { return nil }
            var node = root
            for token in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                let name = String(token).decodingPercentEscapesLoosely()
                    .split(separator: "~1", omittingEmptySubsequences: false).joined(separator: "/")
                    .split(separator: "~0", omittingEmptySubsequences: false).joined(separator: "~")
                switch node {
                case .object(let object):
                    guard let next = object[name] else { return nil }
                    node = next
                case .array(let elements):
                    guard let index = Int(name), elements.indices.contains(index) else { return nil }
                    node = elements[index]
                default:
                    return nil
                }
            }
            return node
        }
    }
}

extension String {
    /// `$ref` fragments may percent-encode characters; ours never do, so only `%25` and `%22` matter.
    fileprivate func decodingPercentEscapesLoosely() -> String {
        guard contains("%") else { return self }
        return split(separator: "%22", omittingEmptySubsequences: false).joined(separator: "\"")
            .split(separator: "%25", omittingEmptySubsequences: false).joined(separator: "%")
    }
}
