import AMQPClient
import FleetRuntime
import Foundation
import PQClient
import Synchronization
import TestSupport
import Testing

/// The real `syncctl status | pause | resume` against the test's own services.
@Suite("syncctl status, pause, resume", .timeLimit(.minutes(3)))
struct StatusCommandTests {
    @Test("status --json parses and reports queue depths, the pause and the processed counts")
    func statusReportsQueuesAndControl() async throws {
        try await FleetHarness.run { harness in
            let syncctl = try CommandRunner(
                executableName: "syncctl",
                environment: [
                    "AMQP_URL": harness.services.amqpURL, "DATABASE_URL": harness.services.databaseURL,
                    "RABBITMQ_MANAGEMENT_URL": TestEnvironment.managementURL,
                    "SYNC_SCHEMAS_DIR": TestEnvironment.schemasFolder.path,
                ]
            )
            let portal = try await harness.makePortal()
            try await harness.publishDeals(portal: portal, count: 25)

            let paused = try await syncctl.run(["pause", "--reason", "rollback drill", "--by", "status-test"])
            #expect(paused.status == 0, "pause failed: \(paused.errors)")
            // The management API refreshes queue figures every few seconds: poll until it shows the 25 messages.
            let status = Mutex<FleetStatus?>(nil)
            try await harness.eventually("status shows 25 messages in sync.upsert", timeout: .seconds(20)) {
                let outcome = try await syncctl.run(["status", "--json"])
                #expect(outcome.status == 0, "status failed: \(outcome.errors)")
                let report = try JSONDecoder().decode(FleetStatus.self, from: Data(outcome.output.utf8))
                status.withLock { $0 = report }
                return report.queues.first { $0.name == "sync.upsert" }?.messages == 25
            }
            let report = try #require(status.withLock { $0 })
            #expect(report.queuesUnavailable == nil)
            #expect(report.queues.contains { $0.name == "sync.upsert.dead" && $0.messages == 0 })
            #expect(report.queues.first { $0.name == "sync.upsert" }?.consumers == 0)
            #expect(report.control.paused && report.control.pauseReason == "rollback drill")
            #expect(report.control.pausedBy == "status-test" && !report.control.tripped)
            #expect(report.writeErrors.threshold == 0.03 && report.writeErrors.window.windowSeconds == 900)
            #expect(report.operations.map(\.operation).contains("upsert"))

            let check = try await syncctl.run(["status", "--check"])
            #expect(check.status == 7, "status --check of a paused fleet exited \(check.status)")
            #expect(check.output.contains("fleet: paused: rollback drill"))

            let resumed = try await syncctl.run(["resume", "--by", "status-test", "--json"])
            #expect(resumed.status == 0, "resume failed: \(resumed.errors)")
            let state = try JSONDecoder().decode(FleetControlState.self, from: Data(resumed.output.utf8))
            #expect(!state.paused && state.resumedBy == "status-test")

            try await harness.withUpsertWorkers {
                try await harness.eventually("the 25 changes are settled") {
                    try await harness.settledMessages(portal: portal).count == 25
                }
            }
            // The ERP's trace id travelled with each message into its ledger row.
            let traced = try await harness.pool.query(
                "SELECT count(*) AS n FROM sync_ledger WHERE portal = \(portal) AND trace_id = reverse(replace(message_id, '-', ''))"
            )
            #expect(try traced.first?.decode(Int.self, column: "n") == 25)

            let after = try await syncctl.run(["status", "--json", "--check"])
            #expect(after.status == 0, "status --check of a running fleet exited \(after.status): \(after.errors)")
            let final = try JSONDecoder().decode(FleetStatus.self, from: Data(after.output.utf8))
            #expect(final.operations.first { $0.operation == "upsert" }?.processed == 25)
            #expect(final.writeErrors.window.total == 25 && final.writeErrors.window.failed == 0)
        }
    }
}
