import Foundation
package import Logging
package import PQClient
import StructuredLogging

/// `ONAPPINSTALL` and `ONAPPUNINSTALL` for portals an operator registered beforehand.
///
/// An install stores the application token and the OAuth token pair; a second install of a known portal (an app
/// update) must carry the token already stored, and marks the portal's `crm.item.fields` cache stale so the next
/// write reads the fields again (seed §7, §8 A). An uninstall, proven only by its application token, stops sync
/// for the portal: its credentials are dropped, and work for it waits in the queues instead of being lost.
package struct AppInstallation: Sendable {
    private let intake: EventIntake
    private let pool: PQPool
    private let logger: Logger

    package init(intake: EventIntake, pool: PQPool, logger: Logger) {
        self.intake = intake
        self.pool = pool
        self.logger = logger
    }

    /// What an install did.
    package enum InstallOutcome: String, Sendable {
        case installed, updated
    }

    package func install(body: [UInt8]) async throws(GatewayRejection) -> InstallOutcome {
        guard body.count <= EventIntake.maximumBodyBytes, let form = FormBody(bytes: body) else {
            throw GatewayRejection(.malformedBody, "the install body is not a form of at most 16 KiB")
        }
        guard form["event"]?.uppercased() == "ONAPPINSTALL" else {
            throw GatewayRejection(.unknownEvent, "this handler takes ONAPPINSTALL only")
        }
        let memberID = form["auth[member_id]"]
        let found: GatewayPortal?
        do {
            found = try await GatewayPortal.find(
                memberID: memberID,
                domain: form["auth[domain]"]?.lowercased(),
                pool: pool
            )
        } catch {
            throw GatewayRejection(.unavailable, "the portal registry cannot be read: \(error)")
        }
        guard let portal = found else {
            throw GatewayRejection(
                .unknownPortal,
                "install for a portal no operator registered; register it with syncctl portal add first"
            )
        }
        guard let token = form["auth[application_token]"], !token.isEmpty else {
            throw GatewayRejection(.missingToken, "the install of \(portal.domain) carries no application token")
        }
        if let stored = portal.applicationToken, !ConstantTimeComparison.equals(token, stored) {
            throw GatewayRejection(
                .wrongToken,
                "the install of \(portal.domain) carries an application token that differs from the stored one"
            )
        }
        if let registered = portal.memberID, let memberID, registered != memberID {
            throw GatewayRejection(.unknownPortal, "the install's member_id differs from the registered one")
        }
        let accessToken = form["auth[access_token]"]
        let refreshToken = form["auth[refresh_token]"]
        for secret in [token, accessToken, refreshToken].compactMap({ $0 }) { SecretRedactor.shared.register(secret) }
        let expiresIn = form["auth[expires_in]"].flatMap { Int($0) } ?? 3600
        let updating = portal.applicationToken != nil && !portal.uninstalled
        do {
            try await pool.withTransaction { connection in
                try await connection.execute(
                    """
                    UPDATE portals SET application_token = \(token),
                        member_id = coalesce(member_id, \(memberID)),
                        access_token = coalesce(\(accessToken), access_token),
                        refresh_token = coalesce(\(refreshToken), refresh_token),
                        access_expires_at = now() + make_interval(secs => \(expiresIn)),
                        client_endpoint = coalesce(\(form["auth[client_endpoint]"]), client_endpoint),
                        installed_at = now(), uninstalled_at = NULL, updated_at = now()
                    WHERE domain = \(portal.domain)
                    """
                )
                // The app changed (or came back): read crm.item.fields again before the next write, keeping the
                // old copy as the fallback the capability matrix allows.
                try await connection.execute(
                    "UPDATE field_schema_cache SET fetched_at = 'epoch' WHERE portal = \(portal.domain)"
                )
            }
        } catch {
            throw GatewayRejection(.unavailable, "the install cannot be stored: \(error)")
        }
        logger.notice(
            updating ? "app updated; field cache marked stale" : "app installed",
            metadata: ["portal": "\(portal.domain)"]
        )
        return updating ? .updated : .installed
    }

    /// Stops sync for the portal the uninstall's application token proves.
    package func uninstall(body: [UInt8]) async throws(GatewayRejection) -> String {
        let (form, portal) = try await intake.authenticate(body)
        guard form["event"]?.uppercased() == "ONAPPUNINSTALL" else {
            throw GatewayRejection(.unknownEvent, "this handler takes ONAPPUNINSTALL only")
        }
        do {
            try await pool.execute(
                """
                UPDATE portals SET uninstalled_at = now(), access_token = NULL, refresh_token = NULL,
                    access_expires_at = NULL, updated_at = now()
                WHERE domain = \(portal.domain)
                """
            )
        } catch {
            throw GatewayRejection(.unavailable, "the uninstall cannot be stored: \(error)")
        }
        logger.notice("app uninstalled; sync stopped, queued work waits", metadata: ["portal": "\(portal.domain)"])
        return portal.domain
    }
}
