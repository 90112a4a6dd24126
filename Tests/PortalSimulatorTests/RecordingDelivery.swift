import PortalSimulator
import Synchronization

/// An event delivery that records every POST (and can be told to fail), standing in for handler servers.
final class RecordingDelivery: EventDelivering {
    struct Delivery: Sendable {
        let url: String
        let form: JSONValue
    }

    private let state = Mutex<(deliveries: [Delivery], failing: Bool)>(([], false))

    /// When true every delivery throws, like a handler that answers 500 or times out.
    func setFailing(_ failing: Bool) {
        state.withLock { $0.failing = failing }
    }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    func deliver(url: String, formBody: [UInt8]) async throws {
        let failing = state.withLock { state in
            state.deliveries.append(
                Delivery(url: url, form: FormParameters.decode(String(decoding: formBody, as: UTF8.self)))
            )
            return state.failing
        }
        if failing { throw DeliveryFailure() }
    }

    /// Waits (polling, bounded) until `count` deliveries arrived.
    func waitFor(count: Int, timeout: Duration = .seconds(5)) async throws -> [Delivery] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while deliveries.count < count, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return deliveries
    }

    struct DeliveryFailure: Error {}
}
