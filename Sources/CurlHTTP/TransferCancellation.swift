internal import Synchronization

/// A one-way flag that a task's cancellation handler sets and the transfer's progress callback reads, so a blocked
/// `curl_easy_perform` on a pool thread can be aborted from any thread.
final class TransferCancellation: Sendable {
    private let requested = Atomic<Bool>(false)

    /// Asks the running transfer to stop at its next progress callback (at least about once per second).
    func cancel() {
        requested.store(true, ordering: .releasing)
    }

    var isCancelled: Bool {
        requested.load(ordering: .acquiring)
    }
}
