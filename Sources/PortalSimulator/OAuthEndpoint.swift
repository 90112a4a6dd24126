/// The OAuth server's token endpoint (`https://oauth.bitrix.info/oauth/token/`, `settings/oauth/index.md`):
/// `grant_type=refresh_token` with single-use refresh tokens.
struct OAuthEndpoint {
    let simulator: PortalSimulator

    /// Answers `/oauth/token/?grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…`.
    func refresh(_ parameters: JSONValue) -> (Int, JSONValue) {
        func failure(_ code: PortalError.Code, _ text: String) -> (Int, JSONValue) {
            (400, ["error": .string(code.rawValue), "error_description": .string(text)])
        }
        guard parameters["grant_type"]?.stringValue == "refresh_token" else {
            return failure(.invalidRequest, "Unsupported grant_type; only refresh_token is simulated")
        }
        let clientId = parameters["client_id"]?.stringValue ?? ""
        guard
            let portal = simulator.portals.first(where: { portal in
                portal.update { $0.configuration.clientId == clientId }
            })
        else {
            return failure(.invalidClient, "Invalid client id")
        }
        let secret = parameters["client_secret"]?.stringValue ?? ""
        let refreshToken = parameters["refresh_token"]?.stringValue ?? ""
        let now = simulator.clock.now()
        return portal.update { state in
            guard secret == state.configuration.clientSecret else {
                state.countError(PortalError(.invalidClient, "", status: 400))
                return failure(.invalidClient, "Invalid client secret")
            }
            guard state.refreshTokens[refreshToken] == false else {
                state.countError(PortalError(.invalidGrant, "", status: 400))
                return failure(.invalidGrant, "Invalid refresh token")
            }
            state.refreshTokens[refreshToken] = true
            let tokens = state.issueTokens(now: now)
            let lifetime = Int(state.configuration.accessTokenLifetimeSeconds)
            let answer: JSONValue = [
                "access_token": .string(tokens.access),
                "expires": .int(Int(now) + lifetime),
                "expires_in": .int(lifetime),
                "scope": .string(state.configuration.scopes.joined(separator: ",")),
                "domain": "oauth.bitrix.info",
                "server_endpoint": "https://oauth.bitrix.info/rest/",
                "status": "L",
                "client_endpoint": .string(state.clientEndpoint),
                "member_id": .string(state.configuration.memberId),
                "user_id": .int(state.configuration.webhookUserId),
                "refresh_token": .string(tokens.refresh),
            ]
            return (200, answer)
        }
    }
}
