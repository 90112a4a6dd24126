package import Bitrix24

/// A registered portal, ready to call: its registration, a client with its credentials, and its request limit.
package struct PortalConnection: Sendable {
    package var registration: PortalRegistration
    package var client: Bitrix24Client
    package var limit: PortalRequestBudget.Limit?

    package var domain: String { registration.domain }

    /// The portal's `entityTypeId` for an ERP entity name, if the portal maps it.
    package func entityTypeId(for entity: String) -> Int? {
        registration.entityTypes[entity]
    }
}
