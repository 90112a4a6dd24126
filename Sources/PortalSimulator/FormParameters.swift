/// PHP-style form and query-string parameters (`fields[title]=x`, `select[]=id`, `filter[>id]=5`),
/// decoded into a ``JSONValue`` tree the same way PHP's `parse_str` builds `$_REQUEST`.
package enum FormParameters {
    /// Decodes `a=1&b[c]=2` into an object; later duplicates of a plain key win, `[]` appends.
    package static func decode(_ query: String) -> JSONValue {
        var root = JSONValue.object([])
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(String(parts[0]))
            let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
            guard let path = keyPath(name) else { continue }
            insert(.string(value), at: path[...], into: &root)
        }
        return root
    }

    /// Encodes a tree back to `a[b]=c&...` (brackets percent-encoded, as PHP's `http_build_query` does).
    package static func encode(_ value: JSONValue) -> String {
        var pairs: [String] = []
        for member in value.members {
            flatten(member.value, name: member.key, into: &pairs)
        }
        return pairs.joined(separator: "&")
    }

    /// Decodes `%XX` and `+`.
    package static func percentDecode(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let decoded = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(decoded)
                iterator.removeFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes everything but unreserved characters (RFC 3986).
    package static func percentEncode(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                output += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return output
    }

    /// Splits `a[b][]` into `["a", "b", nil]`; nil means "append".
    private static func keyPath(_ name: String) -> [String?]? {
        guard let open = name.firstIndex(of: "["), name.hasSuffix("]") else {
            return name.isEmpty ? nil : [name]
        }
        var path: [String?] = [String(name[..<open])]
        var rest = name[open...]
        while rest.first == "[" {
            guard let close = rest.firstIndex(of: "]") else { return [name] }
            let key = String(rest[rest.index(after: rest.startIndex)..<close])
            path.append(key.isEmpty ? nil : key)
            rest = rest[rest.index(after: close)...]
        }
        return path
    }

    private static func insert(_ leaf: JSONValue, at path: ArraySlice<String?>, into node: inout JSONValue) {
        guard let first = path.first else {
            node = leaf
            return
        }
        var members: [JSONMember]
        if case .object(let existing) = node { members = existing } else { members = [] }
        let key = first ?? String((members.compactMap { Int($0.key) }.max() ?? -1) + 1)
        let index: Int
        if let found = members.firstIndex(where: { $0.key == key }) {
            index = found
        } else {
            members.append(JSONMember(key: key, value: .object([])))
            index = members.count - 1
        }
        node = .null
        insert(leaf, at: path.dropFirst(), into: &members[index].value)
        node = .object(members)
    }

    private static func flatten(_ value: JSONValue, name: String, into pairs: inout [String]) {
        switch value {
        case .object, .array:
            for member in value.members {
                flatten(member.value, name: "\(name)[\(member.key)]", into: &pairs)
            }
        default:
            pairs.append(percentEncode(name) + "=" + percentEncode(value.stringValue ?? ""))
        }
    }
}
