/// One portal the fleet syncs, as `syncctl portal add` registers it.
///
/// Credentials are secrets: ``redacted`` is what `syncctl` prints and logs.
package struct PortalRegistration: Sendable, Codable, Equatable {
    /// The portal's request-limit plan (seed §8 I): cloud standard, cloud Enterprise, or on-premise.
    package enum Plan: String, Sendable, Codable, CaseIterable {
        case standard, enterprise, box
    }

    package var domain: String
    package var memberID: String?
    package var webhookURL: String?
    package var applicationToken: String?
    package var clientID: String?
    package var clientSecret: String?
    package var oauthServer: String?
    /// ERP entity name → the portal's `entityTypeId`.
    package var entityTypes: [String: Int]
    package var legacyBridge: Bool
    package var plan: Plan
    package var enabled: Bool
    /// OAuth portals: the REST root (`client_endpoint`) and the current token pair, stored by the install event and
    /// by refreshes (see ``OAuthTokenRefresher``).
    package var clientEndpoint: String?
    package var accessToken: String?
    package var refreshToken: String?
    /// The app was uninstalled: the fleet does not call the portal, and work for it waits.
    package var uninstalled: Bool

    package init(
        domain: String,
        memberID: String? = nil,
        webhookURL: String? = nil,
        applicationToken: String? = nil,
        clientID: String? = nil,
        clientSecret: String? = nil,
        oauthServer: String? = nil,
        entityTypes: [String: Int] = ["deal": 2, "service_ticket": 1280],
        legacyBridge: Bool = false,
        plan: Plan = .standard,
        enabled: Bool = true,
        clientEndpoint: String? = nil,
        accessToken: String? = nil,
        refreshToken: String? = nil,
        uninstalled: Bool = false
    ) {
        self.domain = domain
        self.memberID = memberID
        self.webhookURL = webhookURL
        self.applicationToken = applicationToken
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.oauthServer = oauthServer
        self.entityTypes = entityTypes
        self.legacyBridge = legacyBridge
        self.plan = plan
        self.enabled = enabled
        self.clientEndpoint = clientEndpoint
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.uninstalled = uninstalled
    }

    /// The registration with every secret replaced by `[redacted]` (the webhook keeps its host and user id).
    package var redacted: PortalRegistration {
        var copy = self
        copy.webhookURL = webhookURL.map(Self.redactedWebhook)
        copy.applicationToken = applicationToken.map { _ in "[redacted]" }
        copy.clientSecret = clientSecret.map { _ in "[redacted]" }
        copy.accessToken = accessToken.map { _ in "[redacted]" }
        copy.refreshToken = refreshToken.map { _ in "[redacted]" }
        return copy
    }

    /// The secret strings of this registration, for log redaction.
    package var secrets: [String] {
        var values = [applicationToken, clientSecret, accessToken, refreshToken].compactMap { $0 }
        if let webhookURL, let code = webhookURL.split(separator: "/").last { values.append(String(code)) }
        return values.filter { !$0.isEmpty }
    }

    private static func redactedWebhook(_ url: String) -> String {
        var segments = url.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let index = segments.lastIndex(where: { !$0.isEmpty }) { segments[index] = "[redacted]" }
        return segments.joined(separator: "/")
    }
}
