/// How the fleet authenticates to one portal: an inbound webhook, or an OAuth application's access token.
///
/// Both carry secrets (the webhook code is a path segment of its URL), so ``description`` never prints them.
package enum Bitrix24Credentials: Sendable, Hashable, CustomStringConvertible {
    /// An inbound webhook: `https://portal/rest/<userId>/<code>/`; methods are appended to it.
    case webhook(baseURL: String)
    /// An OAuth application: `client_endpoint` (`https://portal/rest/`) and the current access token.
    case oauth(clientEndpoint: String, accessToken: String)

    /// The URL of `method` without any secret in its query.
    func methodURL(_ method: String) -> String {
        switch self {
        case .webhook(let baseURL): Self.joined(baseURL, method)
        case .oauth(let clientEndpoint, _): Self.joined(clientEndpoint, method)
        }
    }

    /// The `auth` parameter an OAuth call adds to its body; none for a webhook.
    var authParameter: String? {
        if case .oauth(_, let accessToken) = self { return accessToken }
        return nil
    }

    /// The secret strings of these credentials, for log redaction.
    package var secrets: [String] {
        switch self {
        case .webhook(let baseURL):
            // /rest/<userId>/<code>/: the code is the last non-empty path segment.
            baseURL.split(separator: "/").last.map { [String($0)] } ?? []
        case .oauth(_, let accessToken): [accessToken]
        }
    }

    package var description: String {
        switch self {
        case .webhook(let baseURL): "webhook(\(Self.redactedWebhook(baseURL)))"
        case .oauth(let clientEndpoint, _): "oauth(\(clientEndpoint), token: [redacted])"
        }
    }

    private static func joined(_ base: String, _ method: String) -> String {
        (base.hasSuffix("/") ? base : base + "/") + method + ".json"
    }

    private static func redactedWebhook(_ baseURL: String) -> String {
        var segments = baseURL.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let index = segments.lastIndex(where: { !$0.isEmpty }) { segments[index] = "[redacted]" }
        return segments.joined(separator: "/")
    }
}
