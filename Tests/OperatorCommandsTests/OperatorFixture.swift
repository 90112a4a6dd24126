import AMQPClient
import FleetRuntime
import Foundation
import Logging
import OperatorCommands
import PQClient
import SyncCore
import TestSupport
import Testing

/// A fleet of the test's own (``FleetServices``) set up like `syncctl setup` does, and the means to run `syncctl`
/// and the workers against it as an operator would: as child processes whose `AMQP_URL` and `DATABASE_URL` point
/// there.
struct OperatorFixture: FleetFixture {
    static let polling = ConditionPolling(every: .milliseconds(100), timeout: .seconds(60))

    let fleet: FleetServices
    /// What every child process gets on top of the test's environment.
    let environment: [String: String]

    /// The queue families of the fleet's plan, as `syncctl` sees them.
    var queues: FleetQueues { FleetQueues(plan: plan, definition: topology) }

    /// Runs `body` in fresh isolated services set up like `syncctl setup` does.
    ///
    /// - Parameter fastRetries: when true the contract's backoffs shrink to 50–200 ms (the counts stay) and the
    ///   children read that contract, so that messages reach the dead-letter queues quickly.
    static func run(fastRetries: Bool = false, _ body: @Sendable (OperatorFixture) async throws -> Void) async throws {
        try await FleetServices.run(
            logger: Logger(label: "operator-commands-tests", factory: { _ in SwiftLogNoOpLogHandler() }),
            maxConnections: 4,
            setup: .adjustedContract,
            shortBackoff: fastRetries
        ) { fleet in
            var environment = [
                "AMQP_URL": fleet.services.amqpURL, "DATABASE_URL": fleet.services.databaseURL,
                "LOG_LEVEL": "warning", "SYNC_CONTROL_INTERVAL_MS": "200",
            ]
            if fastRetries {
                let file = FileManager.default.temporaryDirectory
                    .appendingPathComponent("contract-\(fleet.services.virtualHost).json")
                try JSONEncoder().encode(fleet.contract).write(to: file)
                environment["SYNC_CONTRACT"] = file.path
            }
            defer {
                if let file = environment["SYNC_CONTRACT"] { try? FileManager.default.removeItem(atPath: file) }
            }
            try await body(OperatorFixture(fleet: fleet, environment: environment))
        }
    }

    // MARK: syncctl

    /// What one `syncctl` run printed, and how it ended.
    struct Outcome: Sendable {
        var status: Int32
        var output: String
        var errorOutput: String
    }

    /// Runs `syncctl arguments…` to completion.
    func syncctl(_ arguments: String..., environment extra: [String: String] = [:]) async throws -> Outcome {
        try await syncctl(arguments: arguments, environment: extra)
    }

    func syncctl(arguments: [String], environment extra: [String: String] = [:]) async throws -> Outcome {
        let child = try startSyncctl(arguments, environment: extra)
        let status = try await child.wait()
        return Outcome(status: status, output: child.output, errorOutput: child.errorOutput)
    }

    /// Registers `domain` with `syncctl portal add`, its webhook at `webhookURL` (a placeholder when the test calls no
    /// portal), plus `options`, and expects it to succeed.
    func addPortal(
        _ domain: String,
        webhookURL: String? = nil,
        _ options: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let added = try await syncctl(
            arguments: ["portal", "add", domain, "--webhook-url", webhookURL ?? "https://\(domain)/rest/1/secret/"]
                + options
        )
        #expect(added.status == 0, "portal add failed: \(added.errorOutput)", sourceLocation: sourceLocation)
    }

    /// Starts `syncctl` without waiting for it.
    func startSyncctl(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess("syncctl", arguments, environment: environment.merging(extra) { _, new in new })
    }

    /// Decodes a `--json` output.
    func decode<T: Decodable>(_ type: T.Type, from outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> T
    {
        #expect(outcome.status == 0, "syncctl failed: \(outcome.errorOutput)", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(T.self, from: Data(outcome.output.utf8))
    }

    // MARK: queues

    /// Publishes straight into `queue` (default exchange), persistent, with a message id and headers.
    func put(
        _ body: String,
        into queue: String,
        messageID: String = UUID().uuidString.lowercased(),
        headers: AMQPTable = [:]
    ) async throws {
        try await publisher.publish(
            Array(body.utf8),
            exchange: "",
            routingKey: queue,
            properties: AMQPProperties(contentType: "application/json", messageID: messageID, headers: headers),
            mandatory: true
        )
    }

    /// An `erp.change.v1` body.
    static func change(
        portal: String,
        originId: String,
        op: String = "upsert",
        entity: String = "deal",
        messageID: String,
        title: String? = nil,
        changedAt: String = "2026-02-24T10:15:00Z"
    ) -> String {
        let fields = op == "upsert" ? #","fields":{"title":"\#(title ?? "Deal \(originId)")"}"# : ""
        return #"{"schema":"erp.change.v1","messageId":"\#(messageID)","portal":"\#(portal)","entity":"\#(entity)","#
            + #""op":"\#(op)","originId":"\#(originId)","changedAt":"\#(changedAt)"\#(fields)}"#
    }

    /// Publishes a change as the ERP does: to `erp.changes` with routing key `<entity>.<op>`.
    func publishChange(portal: String, originId: String, op: String = "upsert", messageID: String) async throws {
        try await publishRaw(
            Array(Self.change(portal: portal, originId: originId, op: op, messageID: messageID).utf8),
            routingKey: "deal.\(op)",
            messageID: messageID
        )
    }

    /// Every message in `queue`, left in place.
    func browse(_ queue: String) async throws -> [AMQPDelivery] {
        try await QueueBrowser(broker: admin).messages(in: queue)
    }

    /// The message ids in `queue`, in order, left in place.
    func messageIDs(in queue: String) async throws -> [String] {
        try await browse(queue).map { $0.properties.messageID ?? "?" }
    }

    /// Every queue that can hold waiting work: work and retry-delay queues of every family.
    var sourceQueues: [String] {
        queues.families.flatMap { [$0.work] + $0.retries }
    }

    func pause() async throws {
        try await FleetControl(pool: pool).pause(reason: "test", by: "operator-commands-tests")
    }
}
