import AMQPClient
import FleetRuntime
import Foundation
import Logging
import OperatorCommands
import PQClient
import TestSupport
import Testing

extension OperatorCommandsIntegration {
    /// The commands that need a portal: dead replay with real upsert workers (child processes), `ledger show`,
    /// `preflight` and `report`, against the in-process portal simulator.
    @Suite("Portal-backed commands", .serialized, .timeLimit(.minutes(5)))
    struct WorkerScenarioTests {
        static let logger = Logger(label: "operator-commands-tests", factory: { _ in SwiftLogNoOpLogHandler() })

        /// Adds a simulator portal and registers it with `syncctl portal add`; returns its domain.
        static func register(
            _ fixture: OperatorFixture,
            portals: SimulatedPortals,
            disabledMethods: Set<String> = []
        ) async throws -> String {
            let domain = "t-\(UUID().uuidString.lowercased().prefix(12)).test"
            let webhook = portals.addPortal(domain, disabledMethods: disabledMethods)
            try await fixture.addPortal(domain, webhookURL: webhook, "--entity", "deal=2", "--plan", "box")
            return domain
        }

        static func ledgerStatuses(_ fixture: OperatorFixture, portal: String) async throws -> [String: String] {
            var statuses: [String: String] = [:]
            for row in try await fixture.pool.query(
                "SELECT origin_id, status FROM sync_ledger WHERE portal = \(portal) AND operation = 'upsert'"
            ) {
                statuses[try row.decode(String.self, column: "origin_id")] = try row.decode(
                    String.self,
                    column: "status"
                )
            }
            return statuses
        }

        @Test("a dead letter replayed with syncctl is applied once by the workers, and ledger show tells its story")
        func deadLetterReplayAppliesOnce() async throws {
            try await OperatorFixture.run(fastRetries: true) { fixture in
                try await SimulatedPortals.run(logger: Self.logger) { portals in
                    let portal = try await Self.register(fixture, portals: portals)
                    portals.failBatches(on: portal)
                    let worker = try ChildProcess("upsert-worker", [], environment: fixture.environment)
                    defer { worker.signal(SIGKILL) }
                    let origins = (0..<5).map { "R-\($0)" }
                    let messageIDs = origins.map { _ in UUID().uuidString.lowercased() }
                    for (origin, messageID) in zip(origins, messageIDs) {
                        try await fixture.publishChange(portal: portal, originId: origin, messageID: messageID)
                    }
                    try await fixture.eventually("every change is dead after its retries") {
                        try await fixture.depth("sync.upsert.dead") == origins.count
                    }
                    #expect(try await Self.ledgerStatuses(fixture, portal: portal).values.allSatisfy { $0 == "dead" })
                    let dead = try await fixture.browse("sync.upsert.dead")
                    #expect(dead.allSatisfy { MessageHeaders.attempt(of: $0.properties) == 6 }, "retries spent")
                    #expect(
                        dead.allSatisfy { $0.properties.headers[MessageHeaders.errorCode]?.stringValue != "schema" }
                    )

                    portals.clearFaults(on: portal)
                    let replay = try fixture.decode(
                        DrainReport.self,
                        from: try await fixture.syncctl("dead", "replay", "--portal", portal, "--json")
                    )
                    #expect(replay.moved == origins.count)
                    try await fixture.eventually("the replayed changes are applied") {
                        let statuses = try await Self.ledgerStatuses(fixture, portal: portal)
                        return origins.allSatisfy { statuses[$0] == "done" }
                    }
                    let again = try fixture.decode(
                        DrainReport.self,
                        from: try await fixture.syncctl("dead", "replay", "--portal", portal, "--json")
                    )
                    #expect(again.moved == 0, "nothing is left to replay")
                    #expect(try await fixture.depth("sync.upsert.dead") == 0)
                    try await Task.sleep(for: .milliseconds(500))  // room for a duplicate to show up, if any
                    let items = portals.items(on: portal)
                    #expect(items.count == origins.count, "each change applied once")
                    #expect(Set(items.compactMap(\.originId)) == Set(origins))
                    #expect(try await fixture.depth("sync.upsert.dead") == 0)

                    let history = try fixture.decode(
                        LedgerHistory.self,
                        from: try await fixture.syncctl("ledger", "show", "R-3", "--portal", portal, "--json")
                    )
                    #expect(history.ledger.last?.status == "done")
                    #expect(history.ledger.filter { $0.status == "done" }.count == 1)
                    #expect(history.ledger.allSatisfy { $0.messageId == messageIDs[3] })
                    #expect(!history.ledger.contains { $0.status == "dead" }, "the replay reopened the dead record")
                    #expect(history.itemMap.first?.itemId == items.first { $0.originId == "R-3" }.map { Int64($0.id) })
                    #expect(history.moves.map(\.purpose) == ["dead-replay"])
                    #expect(try await fixture.syncctl("ledger", "show", "R-404", "--portal", portal).status == 3)

                    let report = try await fixture.syncctl("report", portal)
                    #expect(report.status == 0)
                    #expect(report.output.contains("| Legacy fallback controlled by feature flag | PASS |"))
                    #expect(report.output.contains("crm_legacy_bridge = off"))
                    #expect(report.output.contains("| `crm.item.fields` cache refresh on install/update | PASS |"))
                    #expect(report.output.contains("no resync recorded"))
                    #expect(try await fixture.syncctl("report", "nowhere.test").status == 3)

                    worker.signal(SIGTERM)
                    #expect(try await worker.wait(timeout: .seconds(30)) == 0)
                }
            }
        }

        @Test("preflight shows the soft-close fallback for a portal without crm.item.delete, and fails a stopped one")
        func preflightShowsFallbacks() async throws {
            try await OperatorFixture.run { fixture in
                try await SimulatedPortals.run(logger: Self.logger) { portals in
                    let noDelete = try await Self.register(
                        fixture,
                        portals: portals,
                        disabledMethods: ["crm.item.delete"]
                    )
                    let outcome = try await fixture.syncctl("preflight", noDelete)
                    #expect(outcome.status == 0, "a missing optional method is not a failure: \(outcome.errorOutput)")
                    #expect(
                        outcome.output.contains(
                            "| `crm.item.delete` | No | FAIL | soft_close | soft close in the ERP (b24.changes kind "
                                + "soft_close) instead of deleting |"
                        )
                    )
                    #expect(outcome.output.contains("| `crm.item.list` | Yes | PASS | stop_sync | none needed |"))
                    #expect(outcome.output.contains("| `crm` | Yes | PASS |"))
                    #expect(outcome.output.contains("Verdict: PASS"))
                    let json = try fixture.decode(
                        PreflightReport.self,
                        from: try await fixture.syncctl("preflight", noDelete, "--json")
                    )
                    #expect(json.route == "crm.item.*")
                    #expect(json.fallbacksInForce.count == 1)
                    #expect(json.fallbacksInForce.first?.hasPrefix("crm.item.delete: soft close") == true)
                    #expect(json.methods.filter { $0.check == "PASS" }.count == 5)

                    let noList = try await Self.register(fixture, portals: portals, disabledMethods: ["crm.item.list"])
                    let stopped = try await fixture.syncctl("preflight", noList)
                    #expect(stopped.status == 6)
                    #expect(stopped.output.contains("| `crm.item.list` | Yes | FAIL | stop_sync | sync stopped |"))
                    #expect(stopped.output.contains("Verdict: FAIL"))
                    #expect(try await fixture.syncctl("preflight", "unregistered.test").status == 3)

                    let shown = try await fixture.syncctl("portal", "show", noDelete)
                    #expect(shown.output.contains("crm_legacy_bridge:\toff"))
                    #expect(!shown.output.contains(portals.webhookCode(noDelete)), "the webhook secret is redacted")
                    let listed = try fixture.decode(
                        [PortalListing].self,
                        from: try await fixture.syncctl("portal", "list", "--json")
                    )
                    #expect(Set(listed.map(\.domain)) == [noDelete, noList])
                    let one = try fixture.decode(
                        PortalListing.self,
                        from: try await fixture.syncctl("portal", "show", noList, "--json")
                    )
                    #expect(one.domain == noList)
                    #expect(one.legacyBridge == false)
                }
            }
        }
    }
}

/// What a script reads from `portal list --json` and `portal show --json`.
struct PortalListing: Decodable {
    var domain: String
    var legacyBridge: Bool
}
