package import AMQPClient
package import CurlHTTP
package import FleetRuntime
package import Logging
package import PQClient
package import SyncCore
package import Testing

/// A suite's harness built on ``FleetServices``: it names the fleet it runs on and how its conditions are polled,
/// and gets the fleet's connections and the shared helpers (queues, ledger, publishing, workers) from the
/// extensions of this protocol, so that its test files call `harness.pool`, `harness.eventually(…)` and the like
/// whatever suite they belong to.
package protocol FleetFixture: Sendable {
    var fleet: FleetServices { get }

    /// How often ``eventually(_:timeout:sourceLocation:_:)`` checks a condition, and how long it waits by default.
    static var polling: ConditionPolling { get }
}

/// How a suite polls for a condition to come true.
package struct ConditionPolling: Sendable {
    package var interval: Duration
    package var timeout: Duration

    package init(every interval: Duration, timeout: Duration) {
        self.interval = interval
        self.timeout = timeout
    }
}

extension FleetFixture {
    /// The private virtual host and database, for worker processes and `syncctl`.
    package var services: IsolatedServices { fleet.services }
    package var logger: Logger { fleet.logger }
    package var contract: IntegrationContract { fleet.contract }
    package var schema: JSONSchemaValidator { fleet.schema }
    package var topology: TopologyDefinition { fleet.topology }
    package var plan: TopologyPlan { fleet.plan }
    package var amqp: AMQPConfiguration { fleet.amqp }
    package var pool: PQPool { fleet.pool }
    package var http: CurlHTTPClient { fleet.http }
    package var publisher: AMQPPublisher { fleet.publisher }
    package var admin: AMQPConnection { fleet.admin }

    /// Polls `condition` at the suite's interval until it holds, or fails the test after `timeout` (the suite's
    /// default when nil).
    package func eventually(
        _ what: String,
        timeout: Duration? = nil,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        try await TestSupport.eventually(
            what,
            timeout: timeout ?? Self.polling.timeout,
            interval: Self.polling.interval,
            sourceLocation: sourceLocation,
            condition
        )
    }
}
