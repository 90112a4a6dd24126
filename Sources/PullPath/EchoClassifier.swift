package import SyncCore

/// Tells an echo of the fleet's own write from a change made on the portal (pure, so unit tests cover every rule).
///
/// The inputs are the fetched item's `updatedTime`, what the event said (its `ts`, and whether automation made the
/// change: Bitrix24 sends no tokens then), the snapshot the upsert worker recorded with its last write (the item
/// map: the portal's `updatedTime` after the write and the fields the ERP sent), and the mirror (the last state the
/// pull worker processed, and whose it was).
package enum EchoClassifier {
    /// Whose the last processed state was.
    package enum Author: String, Sendable {
        case erp, portal
    }

    /// The upsert worker's snapshot of its last write of the item.
    package struct WriteSnapshot: Sendable, Equatable {
        package var updatedAt: Double
        package var erpFields: JSONObject

        package init(updatedAt: Double, erpFields: JSONObject) {
            self.updatedAt = updatedAt
            self.erpFields = erpFields
        }
    }

    /// The last state the pull worker processed.
    package struct MirrorSnapshot: Sendable, Equatable {
        package var updatedAt: Double
        package var author: Author

        package init(updatedAt: Double, author: Author) {
            self.updatedAt = updatedAt
            self.author = author
        }
    }

    package enum Verdict: Sendable, Equatable {
        /// This state (or a newer one) was processed already.
        case alreadySeen
        /// The state is the fleet's own write.
        case ownWrite
        /// Automation changed the item after the fleet's write (a robot reacting to it): still the fleet's echo.
        case robotFollowUp
        /// The event was raised by the fleet's write; the state has moved on since, and the later change's own
        /// event (or the polling fallback) reports it.
        case eventOfOwnWrite
        /// Someone or something on the portal changed the item: publish it.
        case portalChange

        /// Whether the state is recorded in the mirror, and as whose.
        package var mirrorAuthor: Author? {
            switch self {
            case .alreadySeen, .eventOfOwnWrite: nil
            case .ownWrite, .robotFollowUp: .erp
            case .portalChange: .portal
            }
        }
    }

    package static func classify(
        itemUpdatedAt: Double,
        eventTs: Int64?,
        byAutomation: Bool,
        write: WriteSnapshot?,
        mirror: MirrorSnapshot?
    ) -> Verdict {
        if let mirror, itemUpdatedAt <= mirror.updatedAt { return .alreadySeen }
        guard let write else { return .portalChange }
        if itemUpdatedAt <= write.updatedAt { return .ownWrite }
        if byAutomation, mirror.map({ $0.author == .erp || $0.updatedAt <= write.updatedAt }) ?? true {
            return .robotFollowUp
        }
        if !byAutomation, let eventTs, Double(eventTs) <= write.updatedAt { return .eventOfOwnWrite }
        return .portalChange
    }

    /// The ERP-owned fields (those the ERP last sent) whose portal value now differs from what the ERP sent.
    package static func drift(item: JSONValue, erpFields: JSONObject) -> [String] {
        erpFields.members.filter { !same(item[$0.key], $0.value) }.map(\.key).sorted()
    }

    /// Equal as the portal and the ERP mean them: numbers by value (`1500` = `1500.0` = `"1500.00"`), null = absent,
    /// the rest by text.
    static func same(_ portal: JSONValue?, _ erp: JSONValue?) -> Bool {
        let left = portal ?? .null
        let right = erp ?? .null
        if left == right { return true }
        if let a = number(left), let b = number(right) { return a == b }
        if empty(left) && empty(right) { return true }
        return text(left) == text(right)
    }

    private static func number(_ value: JSONValue) -> Double? {
        if case .string(let text) = value { return Double(text) }
        return value.doubleValue
    }

    private static func empty(_ value: JSONValue) -> Bool {
        value == .null || value == .string("")
    }

    private static func text(_ value: JSONValue) -> String {
        value.stringValue ?? value.compactString
    }
}
