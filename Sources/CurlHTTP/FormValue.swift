/// A nested request parameter, flattened by ``FormEncoding/flatten(_:)`` into PHP bracket form for Bitrix24.
///
/// Objects keep their keys in the order given (a dictionary literal keeps its written order), so the encoded body is
/// deterministic.
package indirect enum FormValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case double(Double)
    /// Encoded as `1` / `0`, like PHP's `http_build_query`.
    case bool(Bool)
    /// Encoded as an empty value (`key=`), which clears a field in Bitrix24.
    case null
    case array([FormValue])
    case object([(key: String, value: FormValue)])

    package static func == (lhs: FormValue, rhs: FormValue) -> Bool {
        switch (lhs, rhs) {
        case (.string(let left), .string(let right)): left == right
        case (.int(let left), .int(let right)): left == right
        case (.double(let left), .double(let right)): left == right
        case (.bool(let left), .bool(let right)): left == right
        case (.null, .null): true
        case (.array(let left), .array(let right)): left == right
        case (.object(let left), .object(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }
}

extension FormValue: ExpressibleByStringLiteral {
    package init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension FormValue: ExpressibleByIntegerLiteral {
    package init(integerLiteral value: Int) {
        self = .int(value)
    }
}

extension FormValue: ExpressibleByFloatLiteral {
    package init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension FormValue: ExpressibleByBooleanLiteral {
    package init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension FormValue: ExpressibleByArrayLiteral {
    package init(arrayLiteral elements: FormValue...) {
        self = .array(elements)
    }
}

extension FormValue: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, FormValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}
