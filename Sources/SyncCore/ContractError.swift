/// A contract or schema file that cannot be used: says which file, what is wrong and what to do.
package struct ContractError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of problem; opaque so new kinds can be added without breaking a `switch`.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case fileNotFound = "file not found"
            case unreadableFile = "unreadable file"
            case malformedJSON = "malformed JSON"
            case invalidContent = "invalid content"
            case missingKeyPart = "missing idempotency key part"
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// No file at the given path, or none found by the default search.
        package static let fileNotFound = Code(.fileNotFound)
        /// The file exists but could not be read.
        package static let unreadableFile = Code(.unreadableFile)
        /// The file is not valid JSON.
        package static let malformedJSON = Code(.malformedJSON)
        /// Valid JSON that does not say what the code needs (a missing row, a wrong type).
        package static let invalidContent = Code(.invalidContent)
        /// An idempotency key was built without a value for a part the contract names.
        package static let missingKeyPart = Code(.missingKeyPart)

        package var description: String { base.rawValue }
    }

    package let code: Code
    /// The file concerned, when there is one.
    package let file: String?
    /// What is wrong and what to do, in words.
    package let reason: String

    package init(code: Code, file: String?, reason: String) {
        self.code = code
        self.file = file
        self.reason = reason
    }

    package var description: String {
        if let file { return "\(code) in \(file): \(reason)" }
        return "\(code): \(reason)"
    }

    /// Errors are equal when their codes are; file and reason are details.
    package static func == (lhs: ContractError, rhs: ContractError) -> Bool {
        lhs.code == rhs.code
    }
}
