/// The `format` values our schemas use, checked strictly (JSON Schema leaves formats to the implementation).
enum SchemaFormat {
    /// Whether `text` is valid for `format`; unknown formats accept everything, as the specification asks.
    static func accepts(format: String, _ text: String) -> Bool {
        switch format {
        case "date-time": RFC3339Timestamp(text) != nil
        case "uuid": isUUID(text)
        case "hostname": isHostname(text)
        default: true
        }
    }

    /// RFC 4122 textual form: 8-4-4-4-12 hex digits, either case.
    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !isHexDigit(byte) {
                return false
            }
        }
        return true
    }

    /// RFC 1123 host name: dot-separated labels of 1-63 letters, digits and inner hyphens, 253 characters at most.
    static func isHostname(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
            else { return false }
            return bytes.allSatisfy { isHexDigit($0) || isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
