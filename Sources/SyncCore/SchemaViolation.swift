/// One way a document breaks a JSON Schema: where (a JSON pointer) and what.
package struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON pointer of the offending value (`/fields/title`); empty for the whole document.
    package let path: String
    package let message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `"/changedAt: \"yesterday\" is not a date-time"`; the document itself shows as `/`.
    package var description: String {
        "\(path.isEmpty ? "/" : path): \(message)"
    }
}
