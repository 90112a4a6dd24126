/// W3C trace ids (32 lowercase hex digits), the form b24.change.v1's `traceId` requires.
package enum TraceID {
    /// A new random trace id.
    package static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A trace id from `generator` (tests pass a seeded one).
    package static func random(using generator: inout some RandomNumberGenerator) -> String {
        var text = ""
        for _ in 0..<2 {
            let word = String(generator.next() as UInt64, radix: 16)
            text += String(repeating: "0", count: 16 - word.count) + word
        }
        // All zeros is invalid in W3C trace context.
        return text == String(repeating: "0", count: 32) ? "00000000000000000000000000000001" : text
    }

    /// Whether `text` is a valid trace id.
    package static func isValid(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
            && text != String(repeating: "0", count: 32)
    }
}
