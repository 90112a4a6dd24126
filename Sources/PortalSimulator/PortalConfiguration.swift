/// One simulated portal: its identity, credentials, plan and what it offers.
package struct PortalConfiguration: Sendable, Equatable {
    /// Cloud plan families that decide the request limit (`limits.md`).
    package enum Plan: String, Sendable, CaseIterable {
        /// 2 requests/s draining a bucket of 50.
        case standard
        /// 5 requests/s draining a bucket of 250.
        case enterprise
        /// On-premise: no request limit, operating limit off by default.
        case box

        package var requestLimits: RequestRateLimiter.Limits {
            switch self {
            case .standard: .standard
            case .enterprise: .enterprise
            case .box: .off
            }
        }
    }

    package var domain: String
    package var plan: Plan
    /// Stable portal id (survives renames).
    package var memberId: String
    /// Sent as `auth[application_token]` in every event.
    package var applicationToken: String
    /// The inbound webhook: `/rest/<webhookUserId>/<webhookCode>/<method>`.
    package var webhookUserId: Int
    package var webhookCode: String
    package var clientId: String
    package var clientSecret: String
    package var smartProcessEntityTypeId: Int
    /// The portal's time zone offset for every date it writes.
    package var utcOffsetSeconds: Int
    /// Methods this portal answers with `ERROR_METHOD_NOT_FOUND` (e.g. a portal without `crm.item.delete`).
    package var disabledMethods: Set<String>
    package var accessTokenLifetimeSeconds: Double
    package var scopes: [String]
    /// Overrides the plan's request limit.
    package var requestLimits: RequestRateLimiter.Limits?
    package var operatingLimits: OperatingTimeLimiter.Limits
    /// Simulated execution time per call, by method (`*` for all) — lets tests reach the operating limit quickly.
    package var operatingCostSeconds: [String: Double]
    /// Whether moving to a stage checks that stage's required fields for REST writes
    /// (the portal option `rest_enable_req_uf_check`); on by default so the fleet sees the error.
    package var enforcesStageRequirements: Bool
    /// Whether `rest_offline_extended` is on (`feature.get`).
    package var offlineEventsAvailable: Bool
    /// `event.*` methods work only with application (OAuth) auth, as `event-bind.md` states; webhooks get
    /// 403 `WRONG_AUTH_TYPE`. Turn off only to simulate a lenient portal.
    package var eventMethodsRequireApplication: Bool
    /// Entity types the portal has: deals (2) and/or the smart process; others answer `NOT_FOUND` "SPA not found".
    package var entityTypeIds: Set<Int>

    package init(
        domain: String,
        plan: Plan = .standard,
        memberId: String? = nil,
        applicationToken: String? = nil,
        webhookUserId: Int = 1,
        webhookCode: String? = nil,
        smartProcessEntityTypeId: Int = 1280,
        utcOffsetSeconds: Int = 3 * 3600
    ) {
        let seed = PortalConfiguration.stableHex(domain)
        self.domain = domain
        self.plan = plan
        self.memberId = memberId ?? PortalConfiguration.stableHex("member:" + domain)
        self.applicationToken = applicationToken ?? PortalConfiguration.stableHex("app:" + domain)
        self.webhookUserId = webhookUserId
        self.webhookCode = webhookCode ?? String(PortalConfiguration.stableHex("hook:" + domain).prefix(16))
        self.clientId = "local." + String(seed.prefix(14)) + ".00000001"
        self.clientSecret = String(PortalConfiguration.stableHex("secret:" + domain).prefix(40))
        self.smartProcessEntityTypeId = smartProcessEntityTypeId
        self.utcOffsetSeconds = utcOffsetSeconds
        self.disabledMethods = []
        self.accessTokenLifetimeSeconds = 3600
        self.scopes = ["crm", "user_basic", "placement"]
        self.requestLimits = nil
        self.operatingLimits = OperatingTimeLimiter.Limits(isEnabled: plan != .box)
        self.operatingCostSeconds = [:]
        self.enforcesStageRequirements = true
        self.offlineEventsAvailable = true
        self.entityTypeIds = [2, smartProcessEntityTypeId]
        self.eventMethodsRequireApplication = true
    }

    /// Reads the admin API's portal description; missing keys keep their defaults.
    package init?(json: JSONValue) {
        guard let domain = json["domain"]?.stringValue, !domain.isEmpty else { return nil }
        self.init(
            domain: domain,
            plan: json["plan"]?.stringValue.flatMap(Plan.init(rawValue:)) ?? .standard,
            memberId: json["memberId"]?.stringValue,
            applicationToken: json["applicationToken"]?.stringValue,
            webhookUserId: json["webhookUserId"]?.intValue ?? 1,
            webhookCode: json["webhookCode"]?.stringValue,
            smartProcessEntityTypeId: json["smartProcessEntityTypeId"]?.intValue ?? 1280,
            utcOffsetSeconds: json["utcOffsetSeconds"]?.intValue ?? 3 * 3600
        )
        if let clientId = json["clientId"]?.stringValue { self.clientId = clientId }
        if let clientSecret = json["clientSecret"]?.stringValue { self.clientSecret = clientSecret }
        if let disabled = json["disabledMethods"] { disabledMethods = Set(disabled.elements.compactMap(\.stringValue)) }
        if let lifetime = json["accessTokenLifetimeSeconds"]?.doubleValue { accessTokenLifetimeSeconds = lifetime }
        if let enforce = json["enforcesStageRequirements"] { enforcesStageRequirements = enforce.isTruthy }
        if let offline = json["offlineEventsAvailable"] { offlineEventsAvailable = offline.isTruthy }
        if let strict = json["eventMethodsRequireApplication"] { eventMethodsRequireApplication = strict.isTruthy }
        if let types = json["entityTypeIds"] { entityTypeIds = Set(types.elements.compactMap(\.intValue)) }
        if let plan = json["plan"]?.stringValue, Plan(rawValue: plan) == .box { operatingLimits.isEnabled = false }
    }

    /// The request limit in force: the override, else the plan's.
    package var effectiveRequestLimits: RequestRateLimiter.Limits {
        requestLimits ?? plan.requestLimits
    }

    /// A deterministic 32-hex-digit string, so a portal's tokens are the same on every start.
    static func stableHex(_ text: String) -> String {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in text.utf8 {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 &+ 7
        }
        let hex = String(first, radix: 16) + String(second, radix: 16)
        return String((hex + String(repeating: "0", count: 32)).prefix(32))
    }
}
