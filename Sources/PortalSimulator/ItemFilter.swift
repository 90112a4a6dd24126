/// A parsed `filter` parameter: conditions joined by AND, with nested `logic: OR` groups
/// (`api-reference/crm/universal/crm-item-list.md`, "filter").
package indirect enum ItemFilter: Sendable {
    case all([ItemFilter])
    case any([ItemFilter])
    case condition(field: FieldDefinition, operation: Operation, value: JSONValue)
    /// `@field` / `!@field` over plain strings of a text field, as a set: a look-up of a thousand ERP ids must not
    /// cost a thousand comparisons per item (the real portal answers it from an index).
    case membership(field: FieldDefinition, values: Set<String>, negated: Bool)

    /// The operator prefixes the documentation lists, longest first so `>=` wins over `>`.
    package enum Operation: String, Sendable, CaseIterable {
        case notLikeExplicit = "!=%"
        case notLikeExplicitAlt = "!%="
        case likeExplicit = "=%"
        case likeExplicitAlt = "%="
        case notLike = "!%"
        case notIn = "!@"
        case notEqualExplicit = "!="
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case like = "%"
        case inList = "@"
        case notEqual = "!"
        case greater = ">"
        case less = "<"
        case equal = "="
    }

    /// Parses `filter`.
    /// - Parameter resolve: maps a name as the caller wrote it (camelCase or UPPER) to a field.
    /// - Throws: `INVALID_ARG_VALUE` "Invalid filter: field 'X' is not allowed in filter".
    package static func parse(
        _ value: JSONValue?,
        resolve: (String) -> FieldDefinition?
    ) throws(PortalError) -> ItemFilter {
        guard let value else { return .all([]) }
        if case .string(let text) = value, text.isEmpty { return .all([]) }
        var conditions: [ItemFilter] = []
        var isOr = false
        for member in value.members {
            if member.key.uppercased() == "LOGIC" {
                isOr = member.value.stringValue?.uppercased() == "OR"
                continue
            }
            if case .object = member.value,
                Int(member.key) != nil || member.key.hasPrefix("__") || isGroup(member.value)
            {
                conditions.append(try parse(member.value, resolve: resolve))
                continue
            }
            let (operation, name) = split(member.key)
            guard let field = resolve(name) else {
                throw .invalidArgument("Invalid filter: field '\(name)' is not allowed in filter")
            }
            conditions.append(makeCondition(field: field, operation: operation, value: member.value))
        }
        return isOr ? .any(conditions) : .all(conditions)
    }

    /// A condition, as a set look-up where that means the same (exact string equality on a text field).
    ///
    /// The list may come as a JSON array or, from a form-encoded call such as a `batch` command
    /// (`filter[@originId][0]=…`), as an object keyed by index: both are the same list.
    private static func makeCondition(field: FieldDefinition, operation: Operation, value: JSONValue) -> ItemFilter {
        let textTypes: Set<String> = ["string", "text", "url", "crm_status", "crm_currency"]
        if operation == .inList || operation == .notIn, textTypes.contains(field.type), value.isList {
            let elements = value.elements
            let texts = elements.compactMap { element -> String? in
                guard let text = element.stringValue, !text.isEmpty else { return nil }
                return text
            }
            if texts.count == elements.count {
                return .membership(field: field, values: Set(texts), negated: operation == .notIn)
            }
        }
        return .condition(field: field, operation: operation, value: value)
    }

    private static func isGroup(_ value: JSONValue) -> Bool {
        value.members.contains { $0.key.uppercased() == "LOGIC" }
    }

    private static func split(_ key: String) -> (Operation, String) {
        for operation in Operation.allCases where key.hasPrefix(operation.rawValue) {
            return (operation, String(key.dropFirst(operation.rawValue.count)))
        }
        return (.equal, key)
    }

    /// The texts a field must equal for any item to match, when the filter's top level pins one (`=field` with a
    /// text, or `@field` with texts): what the look-up index can answer.
    package func pinnedTexts() -> (field: String, texts: Set<String>)? {
        switch self {
        case .all(let parts):
            return parts.lazy.compactMap { $0.pinnedTexts() }.first
        case .membership(let field, let values, negated: false):
            return (field.name, values)
        case .condition(let field, .equal, .string(let text)) where !text.isEmpty && field.type == "string":
            return (field.name, [text])
        default:
            return nil
        }
    }

    /// True when `item` (camelCase keys) satisfies the filter.
    package func matches(_ item: [String: JSONValue], dates: PortalDateFormat) -> Bool {
        switch self {
        case .all(let parts): return parts.allSatisfy { $0.matches(item, dates: dates) }
        case .any(let parts): return parts.isEmpty || parts.contains { $0.matches(item, dates: dates) }
        case .condition(let field, let operation, let expected):
            let actual = item[field.name] ?? .null
            return Self.evaluate(actual, operation, expected, field: field, dates: dates)
        case .membership(let field, let values, let negated):
            let actual = item[field.name] ?? .null
            let found =
                if case .array(let elements) = actual {
                    elements.contains { $0.stringValue.map(values.contains) ?? false }
                } else {
                    actual.stringValue.map(values.contains) ?? false
                }
            return found != negated
        }
    }

    private static func evaluate(
        _ actual: JSONValue,
        _ operation: Operation,
        _ expected: JSONValue,
        field: FieldDefinition,
        dates: PortalDateFormat
    ) -> Bool {
        let candidates = expected.elements
        switch operation {
        case .equal:
            switch expected {
            case .array, .object: return candidates.contains { equals(actual, $0, field, dates) }
            default: return equals(actual, expected, field, dates)
            }
        case .notEqual, .notEqualExplicit:
            if case .array = expected { return !candidates.contains { equals(actual, $0, field, dates) } }
            return !equals(actual, expected, field, dates)
        case .inList: return candidates.contains { equals(actual, $0, field, dates) }
        case .notIn: return !candidates.contains { equals(actual, $0, field, dates) }
        case .greater: return compare(actual, expected, field, dates).map { $0 > 0 } ?? false
        case .greaterOrEqual: return compare(actual, expected, field, dates).map { $0 >= 0 } ?? false
        case .less: return compare(actual, expected, field, dates).map { $0 < 0 } ?? false
        case .lessOrEqual: return compare(actual, expected, field, dates).map { $0 <= 0 } ?? false
        case .like: return contains(actual, expected)
        case .notLike: return !contains(actual, expected)
        case .likeExplicit, .likeExplicitAlt: return wildcard(actual, expected)
        case .notLikeExplicit, .notLikeExplicitAlt: return !wildcard(actual, expected)
        }
    }

    private static func equals(
        _ actual: JSONValue,
        _ expected: JSONValue,
        _ field: FieldDefinition,
        _ dates: PortalDateFormat
    ) -> Bool {
        if case .array(let values) = actual { return values.contains { equals($0, expected, field, dates) } }
        if expected.isEmptyValue, expected != .bool(false), expected != .string("0") { return actual.isEmptyValue }
        if let order = compare(actual, expected, field, dates) { return order == 0 }
        return actual.stringValue == expected.stringValue
    }

    /// -1/0/1 by the field's type; nil when either side is empty or not comparable.
    private static func compare(
        _ actual: JSONValue,
        _ expected: JSONValue,
        _ field: FieldDefinition,
        _ dates: PortalDateFormat
    ) -> Int? {
        if actual == .null { return nil }
        switch field.type {
        case "integer", "user", "crm_category", "crm_company", "crm_contact", "double", "money":
            guard let left = actual.doubleValue, let right = expected.doubleValue else { return nil }
            return left < right ? -1 : (left > right ? 1 : 0)
        case "datetime", "date":
            guard let leftText = actual.stringValue, let rightText = expected.stringValue,
                let left = dates.unixSeconds(from: leftText), let right = dates.unixSeconds(from: rightText)
            else { return nil }
            return left < right ? -1 : (left > right ? 1 : 0)
        case "boolean":
            guard let left = actual.stringValue else { return nil }
            let right = expected.isTruthy ? "Y" : "N"
            return left == right ? 0 : (left < right ? -1 : 1)
        default:
            guard let left = actual.stringValue, let right = expected.stringValue else { return nil }
            return left == right ? 0 : (left < right ? -1 : 1)
        }
    }

    private static func contains(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        guard let haystack = actual.stringValue?.lowercased(), let needle = expected.stringValue?.lowercased() else {
            return false
        }
        return needle.isEmpty || haystack.contains(needle)
    }

    /// SQL LIKE with `%` (any run) and `_` (one character), case-insensitive like MySQL's default collation.
    private static func wildcard(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        guard let text = actual.stringValue?.lowercased(), let pattern = expected.stringValue?.lowercased() else {
            return false
        }
        return like(Array(text), Array(pattern)[...])
    }

    private static func like(_ text: [Character], _ pattern: ArraySlice<Character>) -> Bool {
        var memo: [[Bool?]] = Array(repeating: Array(repeating: nil, count: pattern.count + 1), count: text.count + 1)
        func match(_ textIndex: Int, _ patternOffset: Int) -> Bool {
            if let known = memo[textIndex][patternOffset] { return known }
            let result: Bool
            if patternOffset == pattern.count {
                result = textIndex == text.count
            } else {
                let symbol = pattern[pattern.startIndex + patternOffset]
                if symbol == "%" {
                    result =
                        match(textIndex, patternOffset + 1)
                        || (textIndex < text.count && match(textIndex + 1, patternOffset))
                } else {
                    result =
                        textIndex < text.count && (symbol == "_" || symbol == text[textIndex])
                        && match(textIndex + 1, patternOffset + 1)
                }
            }
            memo[textIndex][patternOffset] = result
            return result
        }
        return match(0, 0)
    }
}
