/// An OAuth portal's access token could not be refreshed; the message says why and what to do, never a token.
package struct OAuthRefreshError: Error, Sendable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Kind: String, Sendable {
            case notOAuth, missingCredentials, refused, malformedAnswer
        }
        private let kind: Kind

        /// The portal is called through a webhook; there is no token to refresh.
        package static let notOAuth = Code(kind: .notOAuth)
        /// The registration lacks the client id, secret, OAuth server or refresh token.
        package static let missingCredentials = Code(kind: .missingCredentials)
        /// The OAuth server refused (`invalid_grant`: the refresh token was used or expired; reinstall the app).
        package static let refused = Code(kind: .refused)
        /// The OAuth server's answer is not a token pair.
        package static let malformedAnswer = Code(kind: .malformedAnswer)

        package var description: String { kind.rawValue }
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "OAuth refresh \(code): \(message)" }
}
