package import Foundation
package import SyncCore

/// The envelope's `time` block: how long the portal worked on a call, and how much of the method's
/// operating-time budget is spent (`operating`, seconds over the last 10 minutes) until `operating_reset_at`.
package struct Bitrix24Timing: Sendable, Equatable {
    package var duration: Double?
    package var processing: Double?
    package var operating: Double?
    package var operatingResetAt: Date?

    package init(
        duration: Double? = nil,
        processing: Double? = nil,
        operating: Double? = nil,
        operatingResetAt: Date? = nil
    ) {
        self.duration = duration
        self.processing = processing
        self.operating = operating
        self.operatingResetAt = operatingResetAt
    }

    package init(_ value: JSONValue?) {
        self.init(
            duration: value?["duration"]?.doubleValue,
            processing: value?["processing"]?.doubleValue,
            operating: value?["operating"]?.doubleValue,
            operatingResetAt: value?["operating_reset_at"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
        )
    }
}
