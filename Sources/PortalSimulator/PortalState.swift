/// Everything one portal holds in memory. A plain value: ``Portal`` guards it with a mutex and every
/// REST call runs against it synchronously, so a call is atomic like a database transaction.
package struct PortalState: Sendable {
    /// An `event.bind` registration.
    package struct EventBinding: Sendable, Equatable {
        package var id: Int
        /// Upper-case event name (`ONCRMDEALUPDATE`).
        package var event: String
        /// Empty for offline bindings.
        package var handler: String
        package var isOffline: Bool
        package var authType: String
    }

    /// One row of the offline event queue (`api-reference/events/event-offline-get.md`).
    package struct OfflineEvent: Sendable, Equatable {
        package var id: Int
        package var timestamp: String
        package var eventName: String
        package var data: JSONValue
        package var messageId: String
        /// Latest-state-per-object key: event name plus object id.
        package var objectKey: String
        /// Set once `event.offline.get` with `clear=0` reserved the row.
        package var processId: String?
    }

    /// Work to do after the lock is released.
    package enum Effect: Sendable {
        /// POST an event body to a handler URL.
        case deliver(url: String, body: [UInt8], eventName: String)
        /// Run a robot against an item after its delay.
        case robot(RobotRule, itemId: Int)
    }

    /// Who changed an item: decides required-field checks and the `updatedBy` user.
    package enum ChangeOrigin: Sendable, Equatable {
        case rest(userId: Int)
        case user(userId: Int)
        case automation
    }

    /// Counters the admin API reports.
    package struct Statistics: Sendable {
        /// REST requests that reached the request limiter (a `batch` is one), refused ones included.
        package var requests = 0
        package var callsByMethod: [String: Int] = [:]
        package var errorsByCode: [String: Int] = [:]
        package var rateLimitRefusals = 0
        package var operatingRefusals = 0
        package var faultsInjected = 0
        package var eventsSent = 0
        package var eventDeliveryFailures = 0

        package var json: JSONValue {
            func map(_ counts: [String: Int]) -> JSONValue {
                .object(counts.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: .int($0.value)) })
            }
            return [
                "requests": .int(requests), "callsByMethod": map(callsByMethod), "errorsByCode": map(errorsByCode),
                "rateLimitRefusals": .int(rateLimitRefusals), "operatingRefusals": .int(operatingRefusals),
                "faultsInjected": .int(faultsInjected), "eventsSent": .int(eventsSent),
                "eventDeliveryFailures": .int(eventDeliveryFailures),
            ]
        }
    }

    package var configuration: PortalConfiguration
    package var schemas: [Int: EntityTypeSchema]
    /// entityTypeId → id → camelCase values.
    package var items: [Int: [Int: [String: JSONValue]]] = [:]
    /// `items` by ERP key; kept in step by the item writes of `PortalState+Items`.
    package var lookupIndex = ItemLookupIndex()
    package var nextItemId: [Int: Int] = [:]
    /// entityTypeId → stageId → camelCase field names required to enter that stage.
    package var stageRequirements: [Int: [String: [String]]] = [:]
    package var robots: [RobotRule] = []
    package var faults: [FaultRule] = []
    package var bindings: [EventBinding] = []
    package var nextBindingId = 1
    package var offlineQueue: [OfflineEvent] = []
    package var nextOfflineId = 1
    /// access token → expiry (Unix seconds).
    package var accessTokens: [String: Double] = [:]
    /// refresh token → already used.
    package var refreshTokens: [String: Bool] = [:]
    package var rateLimiter: RequestRateLimiter
    package var operatingLimiter: OperatingTimeLimiter
    package var statistics = Statistics()
    package var outbox: [Effect] = []
    /// Where the simulator is reachable, for `client_endpoint` (`http://127.0.0.1:8090`).
    package var publicBaseURL: String

    package init(configuration: PortalConfiguration, publicBaseURL: String) {
        self.configuration = configuration
        self.publicBaseURL = publicBaseURL
        let smartProcess = EntityTypeSchema.smartProcess(entityTypeId: configuration.smartProcessEntityTypeId)
        schemas = [2: .deals(), smartProcess.entityTypeId: smartProcess].filter {
            configuration.entityTypeIds.contains($0.key)
        }
        rateLimiter = RequestRateLimiter(limits: configuration.effectiveRequestLimits)
        operatingLimiter = OperatingTimeLimiter(limits: configuration.operatingLimits)
        nextItemId = [2: 1, smartProcess.entityTypeId: 1]
    }

    package var dates: PortalDateFormat { PortalDateFormat(utcOffsetSeconds: configuration.utcOffsetSeconds) }

    /// `http://host:port/portal/<domain>/rest/`: the portal's REST root as the fleet reaches it.
    package var clientEndpoint: String { "\(publicBaseURL)/portal/\(configuration.domain)/rest/" }

    /// The inbound webhook base URL, ending in `/`.
    package var webhookURL: String {
        "\(clientEndpoint)\(configuration.webhookUserId)/\(configuration.webhookCode)/"
    }

    /// Issues a new access/refresh token pair.
    package mutating func issueTokens(now: Double) -> (access: String, refresh: String) {
        let access = Self.randomToken()
        let refresh = Self.randomToken()
        accessTokens[access] = now + configuration.accessTokenLifetimeSeconds
        refreshTokens[refresh] = false
        return (access, refresh)
    }

    /// Makes every access token expired (as if an hour had passed).
    package mutating func expireAccessTokens(now: Double) {
        for token in accessTokens.keys { accessTokens[token] = now - 1 }
    }

    /// Counts an error answer.
    package mutating func countError(_ error: PortalError) {
        statistics.errorsByCode[error.code.rawValue.isEmpty ? "(empty)" : error.code.rawValue, default: 0] += 1
    }

    /// Takes the pending side effects.
    package mutating func drainOutbox() -> [Effect] {
        defer { outbox = [] }
        return outbox
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0..<36, using: &generator), radix: 36) }.joined()
    }
}
