/// `application/x-www-form-urlencoded` encoding, plus the PHP bracket flattening Bitrix24 expects for nested
/// parameters (`fields[TITLE]=x&select[]=id&filter[>id]=5`).
package enum FormEncoding {
    /// Encodes pairs in order as `key=value&…`; keys and values are both percent-encoded, so `fields[TITLE]`
    /// becomes `fields%5BTITLE%5D`, a space becomes `+`, and `&`, `=`, `+` and non-ASCII text become `%XX` bytes.
    package static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Flattens and encodes a nested value in one step; see ``flatten(_:)``.
    package static func encode(_ value: FormValue) -> String {
        encode(flatten(value))
    }

    /// Turns a nested value into bracket-form pairs, not yet percent-encoded.
    ///
    /// The top level must be an object; its keys become the base names. Nested objects add `[key]`; arrays of
    /// scalars add `[]` per element; arrays holding objects or arrays add `[index]` so elements stay grouped.
    /// Empty arrays and objects produce nothing (as in PHP): send ``FormValue/null`` to clear a field.
    /// A scalar at the top level has no name and yields a single pair with an empty key.
    package static func flatten(_ value: FormValue) -> [(String, String)] {
        var pairs: [(String, String)] = []
        switch value {
        case .object(let members):
            for member in members {
                append(member.value, name: member.key, into: &pairs)
            }
        default:
            append(value, name: "", into: &pairs)
        }
        return pairs
    }

    /// Percent-encodes one key or value for a form body or query string: RFC 3986 unreserved characters stay, a
    /// space becomes `+`, every other UTF-8 byte becomes `%XX` (upper-case hex).
    package static func escape(_ text: String) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.append(byte)
            case UInt8(ascii: " "):
                output.append(UInt8(ascii: "+"))
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func append(_ value: FormValue, name: String, into pairs: inout [(String, String)]) {
        switch value {
        case .string(let text): pairs.append((name, text))
        case .int(let number): pairs.append((name, String(number)))
        case .double(let number): pairs.append((name, number.description))
        case .bool(let flag): pairs.append((name, flag ? "1" : "0"))
        case .null: pairs.append((name, ""))
        case .object(let members):
            for member in members {
                append(member.value, name: "\(name)[\(member.key)]", into: &pairs)
            }
        case .array(let elements):
            let needsIndex = elements.contains { element in
                switch element {
                case .array, .object: true
                default: false
                }
            }
            for (index, element) in elements.enumerated() {
                append(element, name: needsIndex ? "\(name)[\(index)]" : "\(name)[]", into: &pairs)
            }
        }
    }
}
