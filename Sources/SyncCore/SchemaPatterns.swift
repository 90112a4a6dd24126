internal import Synchronization

/// The `pattern` keywords of one schema, each compiled once.
///
/// Compiling a pattern costs far more than matching it, and every message checks the same few patterns, so a
/// validator compiles each on first use and keeps it. `Regex` is not `Sendable`, and a validator is shared by
/// every task of a worker, so the compiled patterns live behind a lock and are matched under it: a match is a
/// few microseconds against short fields.
final class SchemaPatterns: Sendable {
    private let compiled = Mutex<[String: Regex<AnyRegexOutput>]>([:])

    /// Whether `text` contains a match of `pattern` (JSON Schema patterns are not anchored); nil when the pattern
    /// does not compile, which a validator rules out when it loads its schema.
    func matches(_ text: String, pattern: String) -> Bool? {
        compiled.withLock { compiled in
            let regex: Regex<AnyRegexOutput>
            if let known = compiled[pattern] {
                regex = known
            } else {
                guard let fresh = try? Regex(pattern) else { return nil }
                compiled[pattern] = fresh
                regex = fresh
            }
            return (try? regex.firstMatch(in: text)) != nil
        }
    }
}
