package import SyncCore

/// How the write path treats one portal, decided from its ``PortalCapabilities`` and seed §3's matrix.
///
/// Processors ask ``CapabilityCache/plan(for:)`` and then follow ``route``: `crm.item.*`, the legacy `crm.deal.*`
/// bridge (deals only), or nothing at all (messages are held, not dead-lettered, until the portal offers the
/// methods again).
package struct WritePlan: Sendable, Equatable {
    /// Which REST family carries the portal's writes.
    package enum Route: Sendable, Equatable {
        /// The universal `crm.item.*` methods.
        case itemAPI
        /// The deprecated `crm.deal.*` methods, for `entityTypeId` 2 only: `crm.item.*` is missing and the portal is
        /// flagged `crm_legacy_bridge`.
        case legacyDeals
        /// The portal cannot be synced: a method the matrix says to "stop sync" without is missing (or the `crm`
        /// scope); `reason` names it.
        case stopped(reason: String)
    }

    /// The entity type the legacy bridge carries: deals.
    package static let legacyEntityTypeId = 2

    package var route: Route
    /// Whether deletes may be sent (`crm.item.delete` or `crm.deal.delete`); otherwise the matrix says soft close.
    package var canDelete: Bool
    /// Whether the fields method answers; otherwise the cached previous schema is used.
    package var fieldsAvailable: Bool
    /// Write methods of the route's family the portal lacks (`crm.item.add`, ...): upserts are held while any is.
    package var missingWriteMethods: [String]

    package init(route: Route, canDelete: Bool, fieldsAvailable: Bool, missingWriteMethods: [String] = []) {
        self.route = route
        self.canDelete = canDelete
        self.fieldsAvailable = fieldsAvailable
        self.missingWriteMethods = missingWriteMethods
    }

    /// The method of this plan's family for a `crm.item.*` name: `crm.item.delete` → `crm.deal.delete` on the
    /// legacy route, unchanged otherwise.
    package func method(_ itemMethod: String) -> String {
        route == .legacyDeals ? PortalCapabilities.legacyName(of: itemMethod) : itemMethod
    }

    /// Why a message of `operation` for `entityTypeId` cannot be written on this portal now, or nil when it can.
    ///
    /// A non-nil answer means: hold the message (error code `CAPABILITY_MISSING`) rather than dead-letter it, since
    /// the portal may offer the method again.
    package func blocker(for operation: ERPChange.Operation, entityTypeId: Int) -> String? {
        switch route {
        case .stopped(let reason):
            return reason
        case .legacyDeals where entityTypeId != Self.legacyEntityTypeId:
            return "crm.item.* is unavailable on the portal and the crm_legacy_bridge carries deals only "
                + "(entityTypeId 2), not entityTypeId \(entityTypeId)"
        case .legacyDeals, .itemAPI:
            if operation == .upsert, !missingWriteMethods.isEmpty {
                return "\(missingWriteMethods.joined(separator: ", ")) unavailable on the portal (method.get); "
                    + "upserts wait until the portal offers it again"
            }
            return nil
        }
    }
}
