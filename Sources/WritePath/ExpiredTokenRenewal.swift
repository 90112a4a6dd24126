import Bitrix24
package import FleetRuntime
import Logging

/// What a write answered `expired_token` needs: the OAuth portal's access token renewed once for the whole fleet
/// (``OAuthTokenRefresher``: refresh tokens are single-use, so replicas take turns on the portal's row), and this
/// worker's ``PortalDirectory`` handing out the new token from then on.
///
/// An expired token is not the change's fault: the messages are held briefly, not retried against their attempt
/// count, and sent again with the new token.
package struct ExpiredTokenRenewal: Sendable {
    private let refresher: OAuthTokenRefresher
    private let directory: PortalDirectory

    package init(refresher: OAuthTokenRefresher, directory: PortalDirectory) {
        self.refresher = refresher
        self.directory = directory
    }

    /// True when `portal` now has a newer token than the one `error` was answered to; false when it could not be
    /// renewed (not an OAuth portal, the OAuth server refused), which is logged.
    func renew(_ portal: PortalConnection, after error: Bitrix24Error, logger: Logger) async -> Bool {
        do {
            _ = try await refresher.refreshedClient(for: portal, after: error)
            directory.invalidate()
            return true
        } catch {
            logger.warning(
                "the portal's access token expired and could not be renewed; writes wait",
                metadata: ["portal": "\(portal.domain)", "error": "\(error)"]
            )
            return false
        }
    }
}
