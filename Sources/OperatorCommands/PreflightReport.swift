package import SyncCore
package import WritePath

/// Seed §3's runtime checks as one portal answered them: the scope and method matrix with live PASS/FAIL, and the
/// fallback the fleet applies for each failure (the same decision the workers make, ``PortalCapabilities/plan``).
package struct PreflightReport: Sendable, Codable, Equatable {
    package struct ScopeCheck: Sendable, Codable, Equatable {
        package var scope: String
        package var required: Bool
        package var check: String
        package var why: String
    }

    package struct MethodCheck: Sendable, Codable, Equatable {
        package var method: String
        package var required: Bool
        /// `PASS` when `method.get` says the method is available, else `FAIL`.
        package var check: String
        /// The contract's fallback (`stop_sync`, `retry_transient`, `soft_close`, `cached_schema`).
        package var fallback: String
        /// What the fleet does about this row now: `none needed` when it passed.
        package var inForce: String
    }

    package var portal: String
    package var scopes: [ScopeCheck]
    package var methods: [MethodCheck]
    package var legacyBridge: Bool
    /// `crm.item.*`, `crm.deal.* (crm_legacy_bridge)` or `stopped`.
    package var route: String
    package var stoppedReason: String?
    /// One sentence per fallback in force.
    package var fallbacksInForce: [String]
    /// `PASS` when the portal can be synced with every required method; `FAIL` otherwise.
    package var verdict: String

    package init(
        portal: String,
        contract: IntegrationContract,
        capabilities: PortalCapabilities,
        schemaCacheAgeSeconds: Double? = nil
    ) {
        let plan = capabilities.plan(matrix: contract.capabilities)
        self.portal = portal
        legacyBridge = capabilities.legacyBridge
        scopes = contract.scopes.map { requirement in
            ScopeCheck(
                scope: requirement.scope,
                required: requirement.required,
                check: capabilities.scopes.contains(requirement.scope) ? "PASS" : "FAIL",
                why: requirement.why
            )
        }
        var methods: [MethodCheck] = []
        var inForce: [String] = []
        let cacheAge = schemaCacheAgeSeconds.map { "cached crm.item.fields schema, \(Int($0)) s old" }
        for row in contract.capabilities {
            let available = capabilities.isAvailable(row.method)
            let action: String
            if available {
                action = "none needed"
            } else {
                switch row.fallback {
                case .stopSync:
                    action =
                        plan.route == .legacyDeals
                        ? "crm.deal.* through crm_legacy_bridge (deals only)" : "sync stopped"
                case .retryTransient:
                    action = "upserts held and retried until the method is available"
                case .softClose:
                    action = "soft close in the ERP (b24.changes kind soft_close) instead of deleting"
                case .cachedSchema:
                    action = cacheAge ?? "cached crm.item.fields schema (none cached yet: writes wait)"
                }
                inForce.append("\(row.method): \(action)")
            }
            methods.append(
                MethodCheck(
                    method: row.method,
                    required: row.required,
                    check: available ? "PASS" : "FAIL",
                    fallback: row.fallback.rawValue,
                    inForce: action
                )
            )
        }
        if capabilities.legacyBridge {
            for row in contract.capabilities {
                let legacy = PortalCapabilities.legacyName(of: row.method)
                let available = capabilities.isAvailable(legacy)
                methods.append(
                    MethodCheck(
                        method: legacy,
                        required: false,
                        check: available ? "PASS" : "FAIL",
                        fallback: "crm_legacy_bridge",
                        inForce: plan.route == .legacyDeals ? "in use for deals" : "not used (crm.item.* available)"
                    )
                )
            }
        }
        self.methods = methods
        switch plan.route {
        case .itemAPI:
            route = "crm.item.*"
            stoppedReason = nil
        case .legacyDeals:
            route = "crm.deal.* (crm_legacy_bridge)"
            stoppedReason = nil
        case .stopped(let reason):
            route = "stopped"
            stoppedReason = reason
            inForce.append("sync stopped: \(reason)")
        }
        fallbacksInForce = inForce
        let requiredScopeMissing = scopes.contains { $0.required && $0.check == "FAIL" }
        let requiredMethodMissing =
            plan.route == .itemAPI
            && methods.contains {
                $0.required && $0.check == "FAIL" && $0.fallback != Capability.Fallback.cachedSchema.rawValue
            }
        verdict = stoppedReason == nil && !requiredScopeMissing && !requiredMethodMissing ? "PASS" : "FAIL"
    }

    /// The matrix as seed §3 lays it out, with the live result and the fallback in force.
    package var markdown: String {
        var lines = [
            "# Preflight: \(portal)", "",
            "| Scope | Required | Runtime Check (`scope`) | Why |", "|---|---|---|---|",
        ]
        for scope in scopes {
            lines.append("| `\(scope.scope)` | \(scope.required ? "Yes" : "No") | \(scope.check) | \(scope.why) |")
        }
        lines += [
            "", "| Method/Feature | Required | Runtime Check (`method.get`) | Fallback | In force |",
            "|---|---|---|---|---|",
        ]
        for method in methods {
            lines.append(
                "| `\(method.method)` | \(method.required ? "Yes" : "No") | \(method.check) | \(method.fallback) | "
                    + "\(method.inForce) |"
            )
        }
        lines += ["", "Route: \(route)" + (stoppedReason.map { " (\($0))" } ?? "")]
        if fallbacksInForce.isEmpty {
            lines.append("Fallbacks in force: none")
        } else {
            lines.append("Fallbacks in force:")
            lines += fallbacksInForce.map { "- \($0)" }
        }
        lines.append("Verdict: \(verdict)")
        return lines.joined(separator: "\n")
    }
}
