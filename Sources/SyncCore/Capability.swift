/// A row of seed §3's capability matrix: a REST method checked at start and what to do without it.
package struct Capability: Codable, Sendable, Equatable {
    /// What a worker does when the method is unavailable.
    package enum Fallback: String, Codable, Sendable, CaseIterable {
        /// Stop syncing the portal ("Stop sync if unavailable").
        case stopSync = "stop_sync"
        /// Queue the message for retry when the failure is transient ("Queue for retry if transient").
        case retryTransient = "retry_transient"
        /// Close the item on the ERP side with a soft_close b24.change ("Soft close in external ERP").
        case softClose = "soft_close"
        /// Use the schema cached in PostgreSQL ("Use cached previous schema").
        case cachedSchema = "cached_schema"
    }

    package var method: String
    package var required: Bool
    package var fallback: Fallback
}
