package import Foundation

// The bindable and decodable standard types, each in PostgreSQL's text format.

extension String: PQEncodable, PQDecodable {
    package var pqText: String? { self }

    package init?(pqText: String) {
        self = pqText
    }
}

extension Int: PQEncodable, PQDecodable {
    package var pqText: String? { String(self) }

    package init?(pqText: String) {
        self.init(pqText)
    }
}

extension Int32: PQEncodable, PQDecodable {
    package var pqText: String? { String(self) }

    package init?(pqText: String) {
        self.init(pqText)
    }
}

extension Int64: PQEncodable, PQDecodable {
    package var pqText: String? { String(self) }

    package init?(pqText: String) {
        self.init(pqText)
    }
}

extension Double: PQEncodable, PQDecodable {
    package var pqText: String? { PQTextFormat.double(self) }

    package init?(pqText: String) {
        guard let value = PQTextFormat.parseDouble(pqText) else { return nil }
        self = value
    }
}

extension Bool: PQEncodable, PQDecodable {
    package var pqText: String? { self ? "true" : "false" }

    /// Accepts the server's `t`/`f` and the spelled-out forms.
    package init?(pqText: String) {
        switch pqText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension Date: PQEncodable, PQDecodable {
    /// ISO 8601 in UTC with microseconds, the precision of `timestamptz`.
    package var pqText: String? { PQTextFormat.timestamp(self) }

    package init?(pqText: String) {
        guard let date = PQTextFormat.parseTimestamp(pqText) else { return nil }
        self = date
    }
}

extension UUID: PQEncodable, PQDecodable {
    package var pqText: String? { uuidString.lowercased() }

    package init?(pqText: String) {
        self.init(uuidString: pqText)
    }
}

extension Data: PQEncodable, PQDecodable {
    /// `bytea` hex input.
    package var pqText: String? { PQTextFormat.byteaHex(self) }

    package init?(pqText: String) {
        guard let bytes = PQTextFormat.parseByteaHex(pqText) else { return nil }
        self.init(bytes)
    }
}

extension Array: PQEncodable where Element == UInt8 {
    /// `bytea` hex input.
    package var pqText: String? { PQTextFormat.byteaHex(self) }
}

extension Array: PQDecodable where Element == UInt8 {
    package init?(pqText: String) {
        guard let bytes = PQTextFormat.parseByteaHex(pqText) else { return nil }
        self = bytes
    }
}
