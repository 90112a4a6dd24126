/// A configuration file or environment variable is missing or wrong; the message names it and the fix.
package struct FleetConfigurationError: Error, Sendable, CustomStringConvertible {
    package var message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}
