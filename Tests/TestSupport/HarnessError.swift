/// A harness step that could not be done (a queue the topology lacks, a file that cannot be created); the message
/// says which, so that a failure points at the set-up rather than at the code under test.
package struct HarnessError: Error, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
}
