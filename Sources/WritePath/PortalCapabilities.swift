package import SyncCore

/// What one portal offers of seed §3's capability matrix, as `scope` and `method.get` answered
/// (bitrix24-rest.md §9): a plain value, so the decision in ``plan(matrix:)`` is testable without a portal.
package struct PortalCapabilities: Sendable, Equatable, Codable {
    /// The scope every CRM method needs; without it the portal cannot sync at all.
    package static let requiredScope = "crm"

    /// The scopes granted to the webhook or app (`scope`).
    package var scopes: Set<String>
    /// Method name → `method.get`'s `isAvailable` (the method exists and is within the granted scopes).
    package var methods: [String: Bool]
    /// Whether the portal is flagged `crm_legacy_bridge`, which alone allows `crm.deal.*`.
    package var legacyBridge: Bool

    package init(scopes: Set<String>, methods: [String: Bool], legacyBridge: Bool) {
        self.scopes = scopes
        self.methods = methods
        self.legacyBridge = legacyBridge
    }

    /// `crm.item.list` → `crm.deal.list` (the legacy twin of a matrix method).
    package static func legacyName(of itemMethod: String) -> String {
        itemMethod.hasPrefix("crm.item.") ? "crm.deal." + itemMethod.dropFirst("crm.item.".count) : itemMethod
    }

    /// Whether `method.get` said `method` is available; a method never asked counts as missing.
    package func isAvailable(_ method: String) -> Bool {
        methods[method] ?? false
    }

    /// Decides the portal's ``WritePlan`` from the contract's capability rows:
    /// - no `crm` scope: stopped;
    /// - every `stop_sync` method available: `crm.item.*`;
    /// - otherwise, flagged `crm_legacy_bridge` and the legacy twins of the `stop_sync` methods available:
    ///   `crm.deal.*` for deals;
    /// - otherwise stopped, naming the missing methods.
    ///
    /// In the chosen family, `soft_close` methods decide ``WritePlan/canDelete``, `cached_schema` methods
    /// ``WritePlan/fieldsAvailable``, and missing `retry_transient` methods hold upserts.
    package func plan(matrix: [Capability]) -> WritePlan {
        guard scopes.contains(Self.requiredScope) else {
            let granted = scopes.isEmpty ? "none" : scopes.sorted().joined(separator: ", ")
            return WritePlan(
                route: .stopped(
                    reason:
                        "the portal's webhook or app lacks the '\(Self.requiredScope)' scope (granted: \(granted)); "
                        + "grant it on the portal"
                ),
                canDelete: false,
                fieldsAvailable: false
            )
        }
        let itemStoppers = missing(in: matrix, fallback: .stopSync, name: { $0 })
        if itemStoppers.isEmpty {
            return familyPlan(route: .itemAPI, matrix: matrix, name: { $0 })
        }
        let missingText = itemStoppers.joined(separator: ", ")
        guard legacyBridge else {
            return WritePlan(
                route: .stopped(
                    reason: "\(missingText) unavailable on the portal (method.get); the capability matrix says stop "
                        + "sync: enable the method, or flag the portal crm_legacy_bridge for deals"
                ),
                canDelete: false,
                fieldsAvailable: false
            )
        }
        let legacyStoppers = missing(in: matrix, fallback: .stopSync, name: Self.legacyName)
        guard legacyStoppers.isEmpty else {
            return WritePlan(
                route: .stopped(
                    reason: "\(missingText) unavailable on the portal and the crm_legacy_bridge lacks "
                        + "\(legacyStoppers.joined(separator: ", ")) too (method.get); the capability matrix says stop sync"
                ),
                canDelete: false,
                fieldsAvailable: false
            )
        }
        return familyPlan(route: .legacyDeals, matrix: matrix, name: Self.legacyName)
    }

    private func familyPlan(route: WritePlan.Route, matrix: [Capability], name: (String) -> String) -> WritePlan {
        WritePlan(
            route: route,
            canDelete: missing(in: matrix, fallback: .softClose, name: name).isEmpty,
            fieldsAvailable: missing(in: matrix, fallback: .cachedSchema, name: name).isEmpty,
            missingWriteMethods: missing(in: matrix, fallback: .retryTransient, name: name)
        )
    }

    /// The methods (named in the family `name` maps to) of the matrix rows with `fallback` that are unavailable.
    private func missing(in matrix: [Capability], fallback: Capability.Fallback, name: (String) -> String)
        -> [String]
    {
        matrix.filter { $0.fallback == fallback }.map { name($0.method) }.filter { !isAvailable($0) }
    }
}
