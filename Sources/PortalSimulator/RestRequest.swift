/// A decoded REST request: which credential it carries and which method it names.
package struct RestRequest: Sendable {
    /// How the caller authenticated.
    package enum Credential: Sendable, Equatable {
        /// `/rest/<userId>/<code>/<method>`.
        case webhook(userId: Int, code: String)
        /// `/rest/<method>?auth=<token>` (or `auth` in the body); nil when missing.
        case accessToken(String?)
    }

    package var credential: Credential
    /// Lower-case method name, `.json` suffix removed.
    package var method: String
    package var parameters: JSONValue

    package init(credential: Credential, method: String, parameters: JSONValue) {
        self.credential = credential
        self.method = method
        self.parameters = parameters
    }

    /// Reads the path after `/rest/`: `<method>` or `<userId>/<code>/<method>`; nil for any other shape.
    package init?(restPath: Substring, parameters: JSONValue) {
        let segments = restPath.split(separator: "/", omittingEmptySubsequences: true)
        func methodName(_ segment: Substring) -> String {
            var name = segment.lowercased()
            for suffix in [".json", ".xml"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
            return name
        }
        switch segments.count {
        case 1:
            let token = parameters["auth"]?.stringValue
            var rest = parameters
            if case .object(let members) = parameters { rest = .object(members.filter { $0.key != "auth" }) }
            self.init(credential: .accessToken(token), method: methodName(segments[0]), parameters: rest)
        case 3:
            guard let userId = Int(segments[0]) else { return nil }
            self.init(
                credential: .webhook(userId: userId, code: String(segments[1])),
                method: methodName(segments[2]),
                parameters: parameters
            )
        default:
            return nil
        }
    }
}
