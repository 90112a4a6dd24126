/// Capability checks: `scope`, `method.get`, `feature.get`, `server.time`, `app.info`, `profile`
/// (`api-reference/common/system/*.md`).
package enum SystemMethods {
    static let handlers: [String: MethodCatalog.Handler] = [
        "scope": scope,
        "method.get": methodGet,
        "feature.get": featureGet,
        "server.time": serverTime,
        "app.info": appInfo,
        "profile": profile,
    ]

    /// Every scope a cloud portal knows, for `scope?full=true`.
    static let allScopes = ["crm", "user", "user_basic", "entity", "placement", "task", "im", "department", "calendar"]

    static func scope(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let full = call["full"]?.isTruthy ?? false
        return MethodAnswer(.array((full ? allScopes : state.configuration.scopes).map { .string($0) }))
    }

    /// `{"isExisting": bool, "isAvailable": bool}`.
    static func methodGet(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let name = (call["name"]?.stringValue ?? "").lowercased()
        let exists = !name.isEmpty && MethodCatalog.isAvailable(name, on: state.configuration)
        return MethodAnswer(["isExisting": .bool(exists), "isAvailable": .bool(exists)])
    }

    /// `{"value": "Y"|"N"}`; 400 `CODE_EMPTY` without `CODE`.
    static func featureGet(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        guard let code = call["CODE"]?.stringValue, !code.isEmpty else {
            throw PortalError(.codeEmpty, "Parameter CODE is empty", status: 400)
        }
        let enabled: Bool
        switch code {
        case "rest_offline_extended": enabled = state.configuration.offlineEventsAvailable
        case "rest_auth_connector": enabled = state.configuration.plan != .standard
        default: enabled = false
        }
        return MethodAnswer(["value": enabled ? "Y" : "N"])
    }

    /// The portal's current time with its offset.
    static func serverTime(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        MethodAnswer(.string(state.dates.string(fromUnix: call.now)))
    }

    static func appInfo(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        let license =
            state.configuration.plan == .enterprise ? "ent" : (state.configuration.plan == .box ? "selfhosted" : "pro")
        guard call.isApplication else {
            return MethodAnswer([
                "SCOPE": .array(state.configuration.scopes.map { .string($0) }), "LICENSE": .string("en_\(license)"),
            ])
        }
        return MethodAnswer(
            [
                "ID": "1", "CODE": .string(state.configuration.clientId), "VERSION": "1", "STATUS": "L",
                "INSTALLED": true,
                "PAYMENT_EXPIRED": "N", "DAYS": .null, "LANGUAGE_ID": "en", "LICENSE": .string("en_\(license)"),
                "LICENSE_TYPE": .string(license), "LICENSE_FAMILY": .string(license),
            ]
        )
    }

    static func profile(_ call: MethodCall, _ state: inout PortalState) throws(PortalError) -> MethodAnswer {
        MethodAnswer(
            [
                "ID": .string(String(call.userId)), "ADMIN": true, "NAME": "Portal", "LAST_NAME": "Admin",
                "PERSONAL_GENDER": "", "TIME_ZONE": "",
            ]
        )
    }
}
