package import SyncCore

/// PHP-style query strings, the form `batch` commands take (`crm.item.update?id=5&fields[title]=Pump`): nested
/// objects and arrays become bracketed keys, and every key and value is percent-encoded once (the portal parses
/// each command with `parse_str`, where `+` is a space and `&`, `#`, `%` split or cut values).
package enum Bitrix24QueryEncoding {
    /// `params` as one query string, members in their order.
    package static func queryString(_ params: JSONObject) -> String {
        flatten(params).map { "\(percentEncoded($0.key))=\(percentEncoded($0.value))" }.joined(separator: "&")
    }

    /// The key/value pairs of `params` with bracket nesting: `fields[title]`, `select[]`, `filter[>id]`.
    package static func flatten(_ params: JSONObject) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for (key, value) in params { append(value, as: key, to: &pairs) }
        return pairs
    }

    private static func append(_ value: JSONValue, as key: String, to pairs: inout [(key: String, value: String)]) {
        switch value {
        case .object(let object):
            for (member, child) in object { append(child, as: "\(key)[\(member)]", to: &pairs) }
        case .array(let elements):
            for element in elements { append(element, as: "\(key)[]", to: &pairs) }
        case .null: pairs.append((key, ""))
        case .bool(let flag): pairs.append((key, flag ? "Y" : "N"))
        case .int(let number): pairs.append((key, String(number)))
        case .double(let number): pairs.append((key, String(number)))
        case .string(let text): pairs.append((key, text))
        }
    }

    /// RFC 3986 unreserved characters stay; everything else, brackets included, is `%XX`-encoded as UTF-8.
    package static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
