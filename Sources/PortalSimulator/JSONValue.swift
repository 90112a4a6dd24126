/// A JSON value that keeps object key order, because Bitrix24 answers are compared key by key
/// and parameters arrive as ordered PHP-style maps (`cmd[p0]`, `cmd[p1]`, ...).
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The value under `key` when this is an object.
    package subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The value as text, the way PHP would see a scalar parameter.
    package var stringValue: String? {
        switch self {
        case .string(let text): text
        case .int(let number): String(number)
        case .double(let number): Self.format(number)
        case .bool(let flag): flag ? "1" : "0"
        case .null, .array, .object: nil
        }
    }

    /// The value as an integer; numeric strings count, as PHP's `(int)` cast does.
    package var intValue: Int? {
        switch self {
        case .int(let number): number
        case .double(let number): Int(exactly: number.rounded(.towardZero))
        case .string(let text):
            Int(text.trimmingSpaces) ?? Double(text.trimmingSpaces).flatMap { Int(exactly: $0.rounded(.towardZero)) }
        case .bool(let flag): flag ? 1 : 0
        case .null, .array, .object: nil
        }
    }

    /// The value as a double; numeric strings count.
    package var doubleValue: Double? {
        switch self {
        case .int(let number): Double(number)
        case .double(let number): number
        case .string(let text): Double(text.trimmingSpaces)
        case .bool(let flag): flag ? 1 : 0
        case .null, .array, .object: nil
        }
    }

    /// True for `1`, `true`, `Y`, `y`: the spellings Bitrix24 accepts for a flag.
    package var isTruthy: Bool {
        switch self {
        case .bool(let flag): flag
        case .int(let number): number != 0
        case .double(let number): number != 0
        case .string(let text): ["1", "true", "y", "yes"].contains(text.lowercased())
        case .null, .array, .object: false
        }
    }

    /// Members of an object, or the elements of an array keyed by position (PHP arrays are both).
    package var members: [JSONMember] {
        switch self {
        case .object(let members): members
        case .array(let elements): elements.enumerated().map { JSONMember(key: String($0.offset), value: $0.element) }
        default: []
        }
    }

    /// True for an array, or for an object keyed 0, 1, 2, … in order: the form a PHP-style list
    /// (`a[0]=x&a[1]=y`) decodes to.
    package var isList: Bool {
        switch self {
        case .array: true
        case .object(let members): members.enumerated().allSatisfy { $0.element.key == String($0.offset) }
        default: false
        }
    }

    /// Elements of an array, or the values of an object in order (`select[0]=..` arrives as an object).
    package var elements: [JSONValue] {
        switch self {
        case .array(let elements): elements
        case .object(let members): members.map(\.value)
        case .null: []
        default: [self]
        }
    }

    /// True for null, empty string, empty array/object and false: what Bitrix24 treats as "not filled".
    package var isEmptyValue: Bool {
        switch self {
        case .null: true
        case .string(let text): text.isEmpty
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        case .bool(let flag): !flag
        case .int, .double: false
        }
    }

    /// A copy with `value` stored under `key` (replacing an existing member in place).
    package func setting(_ key: String, to value: JSONValue) -> JSONValue {
        var members = self.members
        if let index = members.firstIndex(where: { $0.key == key }) {
            members[index].value = value
        } else {
            members.append(JSONMember(key: key, value: value))
        }
        return .object(members)
    }

    static func format(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            return String(Int(number))
        }
        return number.isFinite ? "\(number)" : "0"
    }
}

/// One key of a JSON object.
package struct JSONMember: Sendable, Equatable {
    package var key: String
    package var value: JSONValue

    package init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral, ExpressibleByNilLiteral
{
    package init(stringLiteral value: String) { self = .string(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(nilLiteral: ()) { self = .null }
    package init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { JSONMember(key: $0.0, value: $0.1) })
    }
}

extension JSONValue {
    /// Compact JSON text; slashes and non-ASCII are escaped the way PHP's `json_encode` does by default.
    package var serialized: String {
        var output = ""
        write(into: &output)
        return output
    }

    /// UTF-8 bytes of ``serialized``.
    package var bytes: [UInt8] { Array(serialized.utf8) }

    private func write(into output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .int(let number): output += String(number)
        case .double(let number): output += number.isFinite ? "\(number)" : "0"
        case .string(let text): Self.writeString(text, into: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(member.key, into: &output)
                output += ":"
                member.value.write(into: &output)
            }
            output += "}"
        }
    }

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "/": output += "\\/"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

extension String {
    var trimmingSpaces: Substring {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return slice
    }
}
