/// Whether a consumer may take messages now, read from the fleet-wide ``FleetControl`` row: a pause closes it for
/// every consumer, a rollback trip only for consumers of write operations (seed §1: messages stay queued).
package struct IntakeGate: Sendable {
    /// Which switches close this gate.
    package enum Scope: String, Sendable {
        /// Closed by a pause only (pull, gateway relays: they do not write to the portal).
        case allMessages
        /// Closed by a pause and by the rollback trip (upsert, delete).
        case writes
    }

    /// The gate's answer; `closed` carries the reason for the log line.
    package enum Decision: Sendable, Equatable {
        case open
        case closed(reason: String)
    }

    package let control: FleetControl
    package let scope: Scope
    /// How often a consumer reads the switch; about a second keeps a pause effective "within seconds".
    package var interval: Duration

    package init(control: FleetControl, scope: Scope, interval: Duration = .seconds(1)) {
        self.control = control
        self.scope = scope
        self.interval = interval
    }

    /// Reads the switch once.
    /// - Throws: when PostgreSQL cannot be read; callers keep their last decision then.
    package func check() async throws -> Decision {
        Self.decision(for: try await control.state(), scope: scope)
    }

    /// The decision `state` means for a consumer of `scope` (pure, for unit tests).
    package static func decision(for state: FleetControlState, scope: Scope) -> Decision {
        if state.paused {
            return .closed(reason: "fleet paused" + (state.pauseReason.map { ": \($0)" } ?? ""))
        }
        if scope == .writes, state.tripped {
            return .closed(reason: "rollback trigger tripped" + (state.tripReason.map { ": \($0)" } ?? ""))
        }
        return .open
    }
}
