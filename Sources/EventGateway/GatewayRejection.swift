/// Why the gateway refused a request: nothing was queued. The message says what was wrong and what to do, and
/// never contains a token or other secret from the request.
package struct GatewayRejection: Error, Sendable, CustomStringConvertible {
    /// The kind of refusal; the HTTP status follows from it.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case malformedBody, bodyTooLarge, unknownEvent, unknownPortal, missingToken, wrongToken, notInstalled
            case unavailable
        }
        private let kind: Kind

        /// The body is not a form Bitrix24 sends (bad encoding, missing id).
        package static let malformedBody = Code(kind: .malformedBody)
        /// The body is larger than any event (a probe or an attack).
        package static let bodyTooLarge = Code(kind: .bodyTooLarge)
        /// The event name is not one the contract maps to this handler.
        package static let unknownEvent = Code(kind: .unknownEvent)
        /// No registered portal has this member_id or domain.
        package static let unknownPortal = Code(kind: .unknownPortal)
        /// `auth[application_token]` is absent.
        package static let missingToken = Code(kind: .missingToken)
        /// `auth[application_token]` differs from the token stored for the portal.
        package static let wrongToken = Code(kind: .wrongToken)
        /// The portal's app is not installed (never installed, or uninstalled).
        package static let notInstalled = Code(kind: .notInstalled)
        /// PostgreSQL could not record the event; the portal will not resend it, the polling fallback catches it.
        package static let unavailable = Code(kind: .unavailable)

        package var description: String { kind.rawValue }

        /// The HTTP status the portal receives.
        package var httpStatus: Int {
            switch kind {
            case .malformedBody, .unknownEvent: 400
            case .bodyTooLarge: 413
            case .missingToken: 401
            case .unknownPortal, .wrongToken, .notInstalled: 403
            case .unavailable: 503
            }
        }

        /// Whether the refusal is a security event (logged as such).
        package var isSecurityEvent: Bool {
            switch kind {
            case .unknownPortal, .missingToken, .wrongToken, .notInstalled: true
            default: false
            }
        }
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code): \(message)" }
}
