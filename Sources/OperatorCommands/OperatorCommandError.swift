/// Why an operator command could not do what it was asked, in words an operator can act on.
///
/// The ``Code`` is opaque (new reasons can be added without breaking callers); `syncctl` maps it to an exit code.
package struct OperatorCommandError: Error, CustomStringConvertible, Equatable {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Reason: String {
            case fleetNotPaused = "fleet not paused"
            case moveInProgress = "move in progress"
            case unknownQueue = "unknown queue"
            case notFound = "not found"
            case confirmationRequired = "confirmation required"
            case checkFailed = "check failed"
            case moveFailed = "move failed"
        }

        private let reason: Reason
        private init(_ reason: Reason) { self.reason = reason }

        /// `drain` needs a paused fleet: moving messages under running consumers races them.
        package static let fleetNotPaused = Code(.fleetNotPaused)
        /// Another drain or replay holds the move lock.
        package static let moveInProgress = Code(.moveInProgress)
        package static let unknownQueue = Code(.unknownQueue)
        /// The portal, key, origin id or message named does not exist.
        package static let notFound = Code(.notFound)
        /// A destructive command was given no selector and no `--yes`.
        package static let confirmationRequired = Code(.confirmationRequired)
        /// A live check (preflight) failed on something the contract requires.
        package static let checkFailed = Code(.checkFailed)
        /// A copy could not be published or a journal row not written; nothing was lost, run the command again.
        package static let moveFailed = Code(.moveFailed)

        package var description: String { reason.rawValue }
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }

    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
