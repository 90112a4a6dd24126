import Foundation
import SyncCore

/// The ERP traffic of a demo or benchmark run: new deals and service tickets, later updates of some of them
/// published before older versions (out of order), deletes, and a few messages that must be dead-lettered.
package struct ChangeScenario: Sendable {
    /// One message to publish: its routing key, its body and the id the ledger will carry.
    package struct Message: Sendable {
        package var routingKey: String
        package var messageID: String
        package var body: [UInt8]
        /// Whether the fleet is expected to refuse it (dead letter), not apply it.
        package var expectedInvalid: Bool
    }

    package var portal: String
    package var deals: Int
    package var tickets: Int
    package var updates: Int
    package var outOfOrder: Int
    package var invalid: Int
    package var deletes: Int
    /// Distinguishes the ERP ids of one run from another's, so runs can share a portal.
    package var runID: String

    package init(
        portal: String,
        deals: Int,
        tickets: Int,
        updates: Int = 0,
        outOfOrder: Int = 0,
        invalid: Int = 0,
        deletes: Int = 0,
        runID: String = String(UUID().uuidString.prefix(8)).lowercased()
    ) {
        self.portal = portal
        self.deals = deals
        self.tickets = tickets
        self.updates = updates
        self.outOfOrder = outOfOrder
        self.invalid = invalid
        self.deletes = deletes
        self.runID = runID
    }

    /// The messages in publishing order.
    package func messages() -> [Message] {
        let base = Date().timeIntervalSince1970.rounded(.down)
        var messages: [Message] = []
        for index in 0..<deals {
            messages.append(
                upsert(entity: "deal", originID: "D-\(runID)-\(index)", at: base, fields: dealFields(index, version: 1))
            )
        }
        for index in 0..<tickets {
            messages.append(
                upsert(
                    entity: "service_ticket",
                    originID: "T-\(runID)-\(index)",
                    at: base,
                    fields: ["title": .string("Service ticket \(index)")]
                )
            )
        }
        for index in 0..<min(updates, deals) {
            messages.append(
                upsert(
                    entity: "deal",
                    originID: "D-\(runID)-\(index)",
                    at: base + 60,
                    fields: dealFields(index, version: 3)
                )
            )
        }
        // Out of order: a version older than the update above arrives after it and must not win.
        for index in 0..<min(outOfOrder, updates, deals) {
            messages.append(
                upsert(
                    entity: "deal",
                    originID: "D-\(runID)-\(index)",
                    at: base + 30,
                    fields: dealFields(index, version: 2)
                )
            )
        }
        for index in 0..<invalid {
            messages.append(invalidMessage(index, at: base))
        }
        for index in 0..<min(deletes, deals) {
            let originID = "D-\(runID)-\(deals - 1 - index)"
            messages.append(message(entity: "deal", op: "delete", originID: originID, at: base + 120, fields: nil))
        }
        return messages
    }

    /// The title each deal should end with on the portal.
    package func expectedTitle(ofDeal index: Int) -> String {
        index < min(updates, deals) ? "Deal \(index) v3" : "Deal \(index) v1"
    }

    private func dealFields(_ index: Int, version: Int) -> JSONValue {
        [
            "title": .string("Deal \(index) v\(version)"),
            "opportunity": .double(Double(1000 + index) + Double(version) / 10),
            "currencyId": "RUB",
        ]
    }

    private func upsert(entity: String, originID: String, at time: Double, fields: JSONValue) -> Message {
        message(entity: entity, op: "upsert", originID: originID, at: time, fields: fields)
    }

    private func message(entity: String, op: String, originID: String, at time: Double, fields: JSONValue?) -> Message {
        let messageID = UUID().uuidString.lowercased()
        var object: JSONObject = [
            "schema": "erp.change.v1", "messageId": .string(messageID), "portal": .string(portal),
            "entity": .string(entity), "op": .string(op), "originId": .string(originID),
            "changedAt": .string(RFC3339Timestamp(secondsSince1970: time).text),
        ]
        if let fields { object["fields"] = fields }
        return Message(
            routingKey: "\(entity).\(op)",
            messageID: messageID,
            body: JSONValue.object(object).compactBytes,
            expectedInvalid: false
        )
    }

    /// Three kinds of bad input in turn: a field the portal lacks, a read-only field, a broken document.
    private func invalidMessage(_ index: Int, at time: Double) -> Message {
        let fields: JSONValue
        switch index % 3 {
        case 0: fields = ["title": "Bad deal", "noSuchField": 1]
        case 1: fields = ["title": "Bad deal", "createdTime": "2026-01-01T00:00:00+03:00"]
        default:
            return Message(
                routingKey: "deal.upsert",
                messageID: UUID().uuidString.lowercased(),
                body: Array("{\"schema\": \"erp.change.v1\", \"portal\": ".utf8),
                expectedInvalid: true
            )
        }
        var message = upsert(entity: "deal", originID: "D-\(runID)-bad-\(index)", at: time, fields: fields)
        message.expectedInvalid = true
        return message
    }
}
