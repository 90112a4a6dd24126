internal import Crypto

/// The `payloadHash` part of the upsert key: what the ERP asked to write, independent of how it was spelled.
package enum PayloadHash {
    /// Lowercase hex SHA-256 of `fields`' ``JSONValue/canonicalString``.
    ///
    /// Member order and whitespace do not change the hash (keys are sorted, whitespace dropped); any value change
    /// does, including `1500` versus `1500.0`, which JSON keeps distinct.
    package static func of(_ fields: JSONValue) -> String {
        hexSHA256(fields.canonicalBytes)
    }

    /// Lowercase hex SHA-256 of raw bytes.
    package static func hexSHA256(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        var hex = ""
        hex.reserveCapacity(64)
        for byte in digest {
            hex += byte < 16 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }
        return hex
    }
}
