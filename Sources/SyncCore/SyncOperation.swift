/// The contract's operations: one per worker plus the gateway's event intake.
///
/// The raw values are the names in schemas/contract.json and in the ledger's `operation` column.
package enum SyncOperation: String, Codable, Sendable, CaseIterable {
    /// pull-worker: read items from the portal.
    case pull
    /// upsert-worker: crm.item.add / crm.item.update.
    case upsert
    /// delete-worker: crm.item.delete.
    case delete
    /// event gateway: forward a Bitrix24 event to the broker.
    case event
}
