/// A document that is not valid JSON: says where (byte offset) and what was found.
package struct JSONParseError: Error, CustomStringConvertible, Sendable {
    /// The byte offset in the input where parsing stopped.
    package let offset: Int
    /// What was wrong, in words.
    package let reason: String

    package var description: String {
        "invalid JSON at byte \(offset): \(reason)"
    }
}
