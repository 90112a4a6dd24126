extension JSONValue {
    /// The canonical form: object keys sorted by their UTF-8 bytes, no whitespace, minimal string escapes,
    /// integers in decimal and doubles in Swift's shortest round-trip form (so `1500.0` stays `1500.0`).
    ///
    /// Two documents that differ only in member order or whitespace have the same canonical form, which is why
    /// ``PayloadHash`` hashes it.
    package var canonicalString: String {
        var output = ""
        write(to: &output, sortingKeys: true)
        return output
    }

    /// The compact form in document order: what a worker republishes or stores.
    package var compactString: String {
        var output = ""
        write(to: &output, sortingKeys: false)
        return output
    }

    /// UTF-8 bytes of ``canonicalString``.
    package var canonicalBytes: [UInt8] { Array(canonicalString.utf8) }

    /// UTF-8 bytes of ``compactString``.
    package var compactBytes: [UInt8] { Array(compactString.utf8) }

    private func write(to output: inout String, sortingKeys: Bool) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .int(let value): output += String(value)
        case .double(let value): output += Self.render(value)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output, sortingKeys: sortingKeys)
            }
            output += "]"
        case .object(let object):
            output += "{"
            var keys = object.keys
            if sortingKeys { keys.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) } }
            for (index, key) in keys.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                object[key]!.write(to: &output, sortingKeys: sortingKeys)
            }
            output += "}"
        }
    }

    /// Doubles print in Swift's shortest round-trip form; non-finite values cannot occur from parsing and become
    /// null rather than invalid JSON.
    private static func render(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return "\(value)"
    }

    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        // Most texts need no escape at all: copy them whole rather than scalar by scalar.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            output += value
            output += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
    }
}

extension JSONValue: CustomStringConvertible {
    package var description: String { compactString }
}
