/// How one ERP entity maps to crm.item (seed §4).
package struct EntityMapping: Codable, Sendable, Equatable {
    /// The name in messages and routing keys (`deal`, `service_ticket`).
    package var entity: String
    /// The row's name in the seed (`ERP Deal`).
    package var title: String
    /// The default entityTypeId; a smart process's id may differ per portal (portals.entity_types).
    package var entityTypeId: Int
    /// Where the field map comes from (`crm.item.fields`).
    package var fieldMapSource: String
    package var upsertKey: [String]
    /// Set on items we create (`erp` on deals); nil where the entity has no originatorId (smart processes).
    package var originatorId: String?
    /// The crm.item field that carries the ERP id: `originId` on deals, `xmlId` on smart processes.
    package var erpIdField: String
    package var smartProcess: Bool
}
