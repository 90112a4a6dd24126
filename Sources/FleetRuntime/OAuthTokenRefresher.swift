package import Bitrix24
package import CurlHTTP
import Foundation
package import Logging
package import PQClient
import StructuredLogging
import SyncCore

/// Refreshes an OAuth portal's access token once for the whole fleet.
///
/// Refresh tokens are single-use (bitrix24-rest.md §7): two replicas that refreshed at once would lock the portal
/// out. So the refresh runs under the portal row's lock (`SELECT … FOR UPDATE`): the first replica refreshes and
/// stores the new pair; the others wait for the lock, find a token different from the one that expired in their
/// hands, and use it without calling the OAuth server.
package struct OAuthTokenRefresher: Sendable {
    private let pool: PQPool
    private let http: CurlHTTPClient
    private let logger: Logger

    package init(pool: PQPool, http: CurlHTTPClient, logger: Logger) {
        self.pool = pool
        self.http = http
        self.logger = logger
    }

    /// A client for `portal` with a token newer than the one `error` (`expired_token`) was answered to.
    package func refreshedClient(for portal: PortalConnection, after error: Bitrix24Error) async throws
        -> Bitrix24Client
    {
        guard case .oauth(_, let stale) = portal.client.credentials else {
            throw OAuthRefreshError(.notOAuth, "portal \(portal.domain) uses a webhook; \(error.message)")
        }
        let fresh = try await refresh(domain: portal.domain, staleAccessToken: stale)
        return Bitrix24Client(
            credentials: .oauth(clientEndpoint: fresh.endpoint, accessToken: fresh.accessToken),
            http: http
        )
    }

    /// The portal's current token pair's access token and endpoint, refreshed first when it is still `stale`.
    package func refresh(domain: String, staleAccessToken: String?) async throws
        -> (endpoint: String, accessToken: String)
    {
        try await pool.withTransaction { connection in
            guard
                let row = try await connection.query(
                    """
                    SELECT client_id, client_secret, oauth_server, access_token, refresh_token, client_endpoint
                    FROM portals WHERE domain = \(domain) FOR UPDATE
                    """
                ).first
            else {
                throw OAuthRefreshError(.missingCredentials, "portal \(domain) is not registered")
            }
            let endpoint = try row.decode(String?.self, column: "client_endpoint")
            if let current = try row.decode(String?.self, column: "access_token"), current != staleAccessToken,
                let endpoint
            {
                // Another replica refreshed while this one waited for the lock.
                return (endpoint, current)
            }
            guard let clientID = try row.decode(String?.self, column: "client_id"),
                let secret = try row.decode(String?.self, column: "client_secret"),
                let server = try row.decode(String?.self, column: "oauth_server"),
                let refreshToken = try row.decode(String?.self, column: "refresh_token")
            else {
                throw OAuthRefreshError(
                    .missingCredentials,
                    "portal \(domain) lacks its client id, secret, OAuth server or refresh token; install the app again"
                )
            }
            let answer = try await requestTokens(
                server: server,
                clientID: clientID,
                secret: secret,
                refreshToken: refreshToken
            )
            SecretRedactor.shared.register(answer.accessToken)
            SecretRedactor.shared.register(answer.refreshToken)
            let newEndpoint = answer.endpoint ?? endpoint ?? "https://\(domain)/rest/"
            try await connection.execute(
                """
                UPDATE portals SET access_token = \(answer.accessToken), refresh_token = \(answer.refreshToken),
                    access_expires_at = now() + make_interval(secs => \(answer.expiresIn)),
                    client_endpoint = \(newEndpoint), tokens_refreshed_at = now(),
                    token_refreshes = token_refreshes + 1, updated_at = now()
                WHERE domain = \(domain)
                """
            )
            logger.notice("OAuth token refreshed", metadata: ["portal": "\(domain)"])
            return (newEndpoint, answer.accessToken)
        }
    }

    private struct TokenAnswer {
        var accessToken: String
        var refreshToken: String
        var expiresIn: Int
        var endpoint: String?
    }

    /// `GET <server>/oauth/token/?grant_type=refresh_token&…` (the only place the client secret is sent).
    private func requestTokens(server: String, clientID: String, secret: String, refreshToken: String) async throws
        -> TokenAnswer
    {
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let query = Bitrix24QueryEncoding.queryString([
            "grant_type": "refresh_token", "client_id": .string(clientID), "client_secret": .string(secret),
            "refresh_token": .string(refreshToken),
        ])
        let response = try await http.execute(.get("\(base)/oauth/token/?\(query)"))
        let body = try? JSONValue(parsing: response.body)
        if let error = body?["error"]?.stringValue {
            throw OAuthRefreshError(
                .refused,
                "the OAuth server answered \(response.status) \(error); reinstall the app if the refresh token is spent"
            )
        }
        guard let access = body?["access_token"]?.stringValue, let refresh = body?["refresh_token"]?.stringValue else {
            throw OAuthRefreshError(
                .malformedAnswer,
                "the OAuth server answered \(response.status) without a token pair"
            )
        }
        return TokenAnswer(
            accessToken: access,
            refreshToken: refresh,
            expiresIn: Int(body?["expires_in"]?.integerValue ?? 3600),
            endpoint: body?["client_endpoint"]?.stringValue
        )
    }
}
