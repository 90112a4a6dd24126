/// The test and demo control surface under `/_sim/` (JSON in and out); no real method lives there.
///
/// - `GET /_sim/portals`, `POST /_sim/portals` (create: a ``PortalConfiguration`` JSON)
/// - `GET /_sim/portals/<domain>`: identity, URLs, configuration
/// - `POST /_sim/portals/<domain>/reset`: empty items, bindings, queue, limits, counters
/// - `POST .../seed` `{"entityTypeId": 2, "count": 1240, "fields": {...}}` (no events, like an import)
/// - `GET|POST .../faults` `{"rules": [FaultRule]}`; `POST .../robots` `{"rules": [RobotRule]}`
/// - `POST .../limits` `{"drainPerSecond", "capacity", "enabled", "operatingBudgetSeconds", "operatingWindowSeconds",
///   "operatingEnabled", "operatingCostSeconds": {"crm.item.list": 5}}`
/// - `POST .../stage-requirements` `{"entityTypeId": 2, "stageId": "WON", "fields": ["ufCrm_1721244800001"]}`
/// - `GET .../items?entityTypeId=2`; `POST .../items/<entityTypeId>` and `.../items/<entityTypeId>/<id>`
///   `{"fields": {...}}`: a user's create/edit in the UI (fires events and robots)
/// - `GET .../stats`; `POST .../rename` `{"domain": "new.bitrix24.ru"}`; `POST .../tokens` (new OAuth pair);
///   `POST .../expire-tokens`; `POST .../methods` `{"disabled": ["crm.item.delete"]}`; `GET .../offline-events`
struct AdminRoutes {
    let simulator: PortalSimulator

    func handle(method: String, path: String, body: [UInt8], query: String) -> (Int, JSONValue) {
        let input: JSONValue
        if body.isEmpty {
            input = .object([])
        } else {
            guard let parsed = try? JSONParser.parse(body) else { return Self.failure(400, "body is not JSON") }
            input = parsed
        }
        let segments = path.split(separator: "/").map(String.init).dropFirst()
        guard segments.first == "portals" else { return Self.failure(404, "unknown admin path \(path)") }
        let rest = Array(segments.dropFirst())
        if rest.isEmpty {
            if method == "POST" {
                guard let configuration = PortalConfiguration(json: input) else {
                    return Self.failure(400, "domain is required")
                }
                let portal = simulator.addPortal(configuration)
                return (201, describe(portal))
            }
            return (200, .array(simulator.portals.map(describe)))
        }
        guard let portal = simulator.portal(rest[0]) else { return Self.failure(404, "no portal \(rest[0])") }
        let action = rest.count > 1 ? rest[1] : ""
        let now = simulator.clock.now()
        defer { simulator.dispatchEffects(of: portal) }
        switch (method, action) {
        case ("GET", ""):
            return (200, describe(portal))
        case ("POST", "reset"):
            portal.update { state in
                state = PortalState(configuration: state.configuration, publicBaseURL: state.publicBaseURL)
            }
            return (200, ["reset": true])
        case ("POST", "seed"):
            return seed(portal, input, now: now)
        case ("GET", "faults"):
            return (200, ["rules": .array(portal.update { $0.faults.map(\.json) })])
        case ("POST", "faults"), ("PUT", "faults"):
            let rules = (input["rules"]?.elements ?? []).compactMap(FaultRule.init(json:))
            portal.update { $0.faults = rules }
            return (200, ["rules": .array(rules.map(\.json))])
        case ("POST", "robots"), ("PUT", "robots"):
            let rules = (input["rules"]?.elements ?? []).compactMap(RobotRule.init(json:))
            portal.update { $0.robots = rules }
            return (200, ["rules": .array(rules.map(\.json))])
        case ("POST", "limits"):
            return (200, setLimits(portal, input))
        case ("POST", "stage-requirements"):
            guard let entityTypeId = input["entityTypeId"]?.intValue, let stage = input["stageId"]?.stringValue else {
                return Self.failure(400, "entityTypeId and stageId are required")
            }
            let fields = (input["fields"]?.elements ?? []).compactMap(\.stringValue)
            portal.update { $0.stageRequirements[entityTypeId, default: [:]][stage] = fields }
            return (
                200,
                [
                    "entityTypeId": .int(entityTypeId), "stageId": .string(stage),
                    "fields": .array(fields.map { .string($0) }),
                ]
            )
        case ("GET", "items"):
            let entityTypeId = FormParameters.decode(query)["entityTypeId"]?.intValue ?? 2
            return (
                200,
                [
                    "items": .array(
                        portal.update { state in
                            state.sortedItems(entityTypeId).map { Self.rawItem($0, state.schemas[entityTypeId]) }
                        }
                    )
                ]
            )
        case ("POST", "items"):
            return userEdit(portal, rest: Array(rest.dropFirst(2)), input: input, now: now)
        case ("GET", "stats"):
            return (200, portal.update { $0.statistics.json })
        case ("POST", "rename"):
            guard let newDomain = input["domain"]?.stringValue, simulator.rename(rest[0], to: newDomain) else {
                return Self.failure(409, "rename failed (unknown portal or domain taken)")
            }
            return (200, describe(portal))
        case ("POST", "tokens"):
            let tokens = portal.update { $0.issueTokens(now: now) }
            return (200, ["access_token": .string(tokens.access), "refresh_token": .string(tokens.refresh)])
        case ("POST", "expire-tokens"):
            portal.update { $0.expireAccessTokens(now: now) }
            return (200, ["expired": true])
        case ("POST", "methods"):
            let disabled = Set((input["disabled"]?.elements ?? []).compactMap(\.stringValue))
            portal.update { $0.configuration.disabledMethods = disabled }
            return (200, ["disabled": .array(disabled.sorted().map { .string($0) })])
        case ("GET", "offline-events"):
            return (
                200,
                .array(
                    portal.update {
                        $0.offlineQueue.map {
                            [
                                "ID": .int($0.id), "EVENT_NAME": .string($0.eventName),
                                "PROCESS_ID": $0.processId.map { .string($0) } ?? .null,
                            ]
                        }
                    }
                )
            )
        default:
            return Self.failure(404, "unknown admin action \(method) \(action)")
        }
    }

    private func describe(_ portal: Portal) -> JSONValue {
        portal.update { state in
            [
                "domain": .string(state.configuration.domain), "memberId": .string(state.configuration.memberId),
                "plan": .string(state.configuration.plan.rawValue), "webhookUrl": .string(state.webhookURL),
                "clientEndpoint": .string(state.clientEndpoint),
                "applicationToken": .string(state.configuration.applicationToken),
                "clientId": .string(state.configuration.clientId),
                "clientSecret": .string(state.configuration.clientSecret),
                "smartProcessEntityTypeId": .int(state.configuration.smartProcessEntityTypeId),
                "disabledMethods": .array(state.configuration.disabledMethods.sorted().map { .string($0) }),
            ]
        }
    }

    private func seed(_ portal: Portal, _ input: JSONValue, now: Double) -> (Int, JSONValue) {
        let entityTypeId = input["entityTypeId"]?.intValue ?? 2
        let count = max(0, input["count"]?.intValue ?? 1)
        let fields = input["fields"]?.members ?? []
        do {
            let ids = try portal.withState { state throws(PortalError) -> [Int] in
                let bindings = state.bindings
                let robots = state.robots
                state.bindings = []
                state.robots = []
                defer {
                    state.bindings = bindings
                    state.robots = robots
                }
                var ids: [Int] = []
                for _ in 0..<count {
                    let item = try state.addItem(
                        entityTypeId: entityTypeId,
                        fields: fields,
                        origin: .user(userId: 1),
                        now: now
                    )
                    ids.append(item["id"]?.intValue ?? 0)
                }
                return ids
            }
            return (
                200,
                [
                    "created": .int(ids.count), "firstId": ids.first.map { .int($0) } ?? .null,
                    "lastId": ids.last.map { .int($0) } ?? .null,
                ]
            )
        } catch {
            return (error.status, error.body)
        }
    }

    private func setLimits(_ portal: Portal, _ input: JSONValue) -> JSONValue {
        portal.update { state in
            var request = state.rateLimiter.limits
            if let drain = input["drainPerSecond"]?.doubleValue { request.drainPerSecond = drain }
            if let capacity = input["capacity"]?.doubleValue { request.capacity = capacity }
            if let enabled = input["enabled"] { request.isEnabled = enabled.isTruthy }
            state.configuration.requestLimits = request
            state.rateLimiter.limits = request
            state.rateLimiter.reset()
            var operating = state.operatingLimiter.limits
            if let budget = input["operatingBudgetSeconds"]?.doubleValue { operating.budgetSeconds = budget }
            if let window = input["operatingWindowSeconds"]?.doubleValue { operating.windowSeconds = window }
            if let enabled = input["operatingEnabled"] { operating.isEnabled = enabled.isTruthy }
            state.configuration.operatingLimits = operating
            state.operatingLimiter.limits = operating
            for member in input["operatingCostSeconds"]?.members ?? [] {
                state.configuration.operatingCostSeconds[member.key] = member.value.doubleValue
            }
            return [
                "drainPerSecond": .double(request.drainPerSecond), "capacity": .double(request.capacity),
                "enabled": .bool(request.isEnabled), "operatingBudgetSeconds": .double(operating.budgetSeconds),
                "operatingWindowSeconds": .double(operating.windowSeconds),
                "operatingEnabled": .bool(operating.isEnabled),
            ]
        }
    }

    private func userEdit(_ portal: Portal, rest: [String], input: JSONValue, now: Double) -> (Int, JSONValue) {
        guard let entityTypeId = rest.first.flatMap({ Int($0) }) else {
            return Self.failure(400, "entityTypeId missing in path")
        }
        let fields = input["fields"]?.members ?? []
        let userId = input["userId"]?.intValue ?? 1
        do {
            let item = try portal.withState { state throws(PortalError) -> JSONValue in
                let stored: [String: JSONValue]
                if rest.count > 1, let id = Int(rest[1]) {
                    stored = try state.updateItem(
                        entityTypeId: entityTypeId,
                        id: id,
                        fields: fields,
                        origin: .user(userId: userId),
                        now: now
                    )
                } else {
                    stored = try state.addItem(
                        entityTypeId: entityTypeId,
                        fields: fields,
                        origin: .user(userId: userId),
                        now: now
                    )
                }
                return Self.rawItem(stored, state.schemas[entityTypeId])
            }
            return (200, ["item": item])
        } catch {
            return (error.status, error.body)
        }
    }

    static func rawItem(_ values: [String: JSONValue], _ schema: EntityTypeSchema?) -> JSONValue {
        guard let schema else { return .object([]) }
        return ItemRendering(schema: schema, originalUserFieldNames: false).item(values)
    }

    static func failure(_ status: Int, _ message: String) -> (Int, JSONValue) {
        (status, ["error": "SIM_ADMIN_ERROR", "error_description": .string(message)])
    }
}
