/// Sends one event POST to a handler. The portal never retries, so an implementation reports failure
/// by throwing and the simulator only counts it.
package protocol EventDelivering: Sendable {
    /// POSTs `formBody` (`application/x-www-form-urlencoded`) to `url`; throws when the handler fails or times out.
    func deliver(url: String, formBody: [UInt8]) async throws
}
