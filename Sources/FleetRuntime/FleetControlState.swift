package import Foundation

/// The fleet-wide switch as every replica reads it: whether an operator paused the fleet, whether the rollback
/// trigger tripped it, and why.
package struct FleetControlState: Sendable, Codable, Equatable {
    /// An operator's `syncctl pause`: every consumer stops taking messages.
    package var paused: Bool
    package var pauseReason: String?
    package var pausedAt: Date?
    package var pausedBy: String?
    /// The rollback trigger (seed §1): write workers stop taking write messages until `syncctl resume`.
    package var tripped: Bool
    package var tripReason: String?
    package var trippedAt: Date?
    /// The last `syncctl resume`; the rollback window counts only write outcomes after it.
    package var resumedAt: Date?
    package var resumedBy: String?

    package init(
        paused: Bool = false,
        pauseReason: String? = nil,
        pausedAt: Date? = nil,
        pausedBy: String? = nil,
        tripped: Bool = false,
        tripReason: String? = nil,
        trippedAt: Date? = nil,
        resumedAt: Date? = nil,
        resumedBy: String? = nil
    ) {
        self.paused = paused
        self.pauseReason = pauseReason
        self.pausedAt = pausedAt
        self.pausedBy = pausedBy
        self.tripped = tripped
        self.tripReason = tripReason
        self.trippedAt = trippedAt
        self.resumedAt = resumedAt
        self.resumedBy = resumedBy
    }

    /// Whether write messages (add, update, delete) may be taken: neither paused nor tripped.
    package var acceptsWrites: Bool { !paused && !tripped }

    /// Whether any message may be taken: only a pause stops consumers that do not write.
    package var acceptsMessages: Bool { !paused }

    /// One line for logs and `syncctl status`: "running", "paused: <reason>", "tripped: <reason>".
    package var summary: String {
        var parts: [String] = []
        if paused { parts.append("paused" + (pauseReason.map { ": \($0)" } ?? "")) }
        if tripped { parts.append("tripped" + (tripReason.map { ": \($0)" } ?? "")) }
        return parts.isEmpty ? "running" : parts.joined(separator: "; ")
    }
}
