internal import Foundation

/// JSON text bound to or read from a `json`/`jsonb` column.
///
/// A wrapper rather than a bare `String`, so the intent is visible at the call site and `Codable` values can be
/// converted in one step. The server validates the text when it is cast to `jsonb`.
package struct PQJSON: PQEncodable, PQDecodable, Hashable, Sendable {
    /// The JSON document as text.
    package var text: String

    package init(text: String) {
        self.text = text
    }

    /// Encodes a value with `JSONEncoder` (sorted keys, so equal values give equal text).
    package init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes the document with `JSONDecoder`.
    package func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    package var pqText: String? { text }

    package init?(pqText: String) {
        self.text = pqText
    }
}
