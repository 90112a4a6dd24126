package import FleetRuntime
import Foundation

/// `syncctl resync`: walks every item of a portal's entity types once (the fast id-ordered paging) and queues each
/// for pull, so the ERP hears of every item's current state; returns the count per entity.
package struct PortalResync: Sendable {
    private let events: PortalEventPublisher
    private let walker: ItemWalker

    package init(events: PortalEventPublisher, budget: PortalRequestBudget) {
        self.events = events
        self.walker = ItemWalker(budget: budget)
    }

    /// Queues every item of `entities` (all the portal maps when empty); returns entity → items queued.
    package func run(_ portal: PortalConnection, entities: [String] = []) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let chosen = entities.isEmpty ? portal.registration.entityTypes.keys.sorted() : entities
        for entity in chosen {
            guard let entityTypeId = portal.entityTypeId(for: entity) else {
                throw FleetConfigurationError(
                    "portal \(portal.domain) maps no entity '\(entity)'; it maps "
                        + portal.registration.entityTypes.keys.sorted().joined(separator: ", ")
                )
            }
            let run = UUID().uuidString.lowercased()
            counts[entity] = try await walker.walk(portal, entityTypeId: entityTypeId) { entries in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for entry in entries {
                        let message = PortalEventMessage(
                            portal: portal.domain,
                            event: "RESYNC",
                            source: .resync,
                            action: .update,
                            entityTypeId: entityTypeId,
                            id: entry.id,
                            updatedTime: entry.updatedTime
                        )
                        group.addTask {
                            try await events.publish(
                                message,
                                routingKey: message.routingKey(entity: entity),
                                messageID: "resync:\(run):\(entry.id)"
                            )
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
        return counts
    }
}
