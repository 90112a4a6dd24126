/// An injected failure: which calls it hits and what happens to them.
/// Rules are evaluated in order; the first rule that matches and fires wins.
package struct FaultRule: Sendable, Equatable {
    /// What the portal does instead of answering normally.
    package enum Action: String, Sendable, Equatable, CaseIterable {
        /// HTTP 503 `QUERY_LIMIT_EXCEEDED`, as an overloaded portal answers.
        case serviceUnavailable = "http503"
        /// HTTP 500 `INTERNAL_SERVER_ERROR`; see ``FaultRule/afterWrite``.
        case internalError = "http500"
        /// Answers normally but only after ``FaultRule/delayMilliseconds`` (longer than the client's timeout).
        case slow
        /// Closes the TCP connection without writing any response.
        case dropConnection = "drop"
    }

    /// Method name this rule applies to; `*` for every method.
    package var method: String
    package var action: Action
    /// How many matching calls to hit; nil for unlimited.
    package var remaining: Int?
    /// Chance (0...1) that a matching call is hit.
    package var probability: Double
    /// For `http500` and `drop`: apply the write first, then fail (the client cannot tell whether it happened).
    package var afterWrite: Bool
    package var delayMilliseconds: Int

    package init(
        method: String,
        action: Action,
        count: Int? = nil,
        probability: Double = 1,
        afterWrite: Bool = false,
        delayMilliseconds: Int = 0
    ) {
        self.method = method
        self.action = action
        self.remaining = count
        self.probability = probability
        self.afterWrite = afterWrite
        self.delayMilliseconds = delayMilliseconds
    }

    /// Reads `{"method": "crm.item.add", "action": "http500", "count": 1, "probability": 1, "afterWrite": true,
    /// "delayMs": 0}` (admin API and `--fault` flag).
    package init?(json: JSONValue) {
        guard let actionName = json["action"]?.stringValue, let action = Action(rawValue: actionName) else {
            return nil
        }
        self.init(
            method: json["method"]?.stringValue ?? "*",
            action: action,
            count: json["count"]?.intValue,
            probability: json["probability"]?.doubleValue ?? 1,
            afterWrite: json["afterWrite"]?.isTruthy ?? false,
            delayMilliseconds: json["delayMs"]?.intValue ?? 0
        )
    }

    /// Parses the CLI form `method:action[:count][:after]`, e.g. `crm.item.add:http500:1:after`, `*:http503::0.2`.
    package init?(flag: String) {
        let parts = flag.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, let action = Action(rawValue: parts[1]) else { return nil }
        self.init(method: parts[0], action: action)
        if parts.count > 2, let count = Int(parts[2]) { remaining = count }
        for extra in parts.dropFirst(3) {
            if extra == "after" {
                afterWrite = true
            } else if let chance = Double(extra), chance <= 1 {
                probability = chance
            } else if let delay = Int(extra) {
                delayMilliseconds = delay
            }
        }
        if action == .slow, delayMilliseconds == 0 { delayMilliseconds = 65_000 }
    }

    package var json: JSONValue {
        [
            "method": .string(method), "action": .string(action.rawValue), "count": remaining.map { .int($0) } ?? .null,
            "probability": .double(probability), "afterWrite": .bool(afterWrite), "delayMs": .int(delayMilliseconds),
        ]
    }

    func matches(_ methodName: String) -> Bool {
        (method == "*" || method == methodName) && (remaining ?? 1) > 0
    }
}
