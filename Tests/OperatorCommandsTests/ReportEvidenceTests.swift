import FleetRuntime
import Foundation
import OperatorCommands
import PQClient
import TestSupport
import Testing

extension OperatorCommandsIntegration {
    /// `syncctl report` reads each checklist row from the records the fleet keeps; here the records are written
    /// directly, so that every row's PASS / FAIL / N-A decision is seen.
    @Suite("Verification report", .serialized, .timeLimit(.minutes(2)))
    struct ReportEvidenceTests {
        static func report(_ fixture: OperatorFixture, _ portal: String) async throws -> [String: VerificationReport
            .Check]
        {
            let report = try fixture.decode(
                VerificationReport.self,
                from: try await fixture.syncctl("report", portal, "--json")
            )
            return Dictionary(uniqueKeysWithValues: report.checks.map { ($0.check, $0) })
        }

        @Test("each checklist row follows its evidence: schema cache, resync, stage-required refusals, flag, echoes")
        func rowsFollowEvidence() async throws {
            try await OperatorFixture.run { fixture in
                let portal = "acme-\(fixture.services.virtualHost).test"
                try await fixture.addPortal(
                    portal,
                    "--entity",
                    "deal=2",
                    "--entity",
                    "service_ticket=1280",
                    "--legacy-bridge"
                )

                var rows = try await Self.report(fixture, portal)
                #expect(rows.count == 5)
                let cache = try #require(rows["`crm.item.fields` cache refresh on install/update"])
                #expect(cache.status == "FAIL")
                #expect(cache.evidence.contains("deal (2): not cached"))
                #expect(rows["Pagination completeness (`start`, 50/page)"]?.evidence == "no resync recorded")
                #expect(rows["Required-by-stage fields handled"]?.status == "N-A")
                #expect(rows["Legacy fallback controlled by feature flag"]?.evidence.contains("= on") == true)
                #expect(rows["Robots/automation side effects covered"]?.status == "N-A")

                let pool = fixture.pool
                try await pool.execute(
                    """
                    INSERT INTO field_schema_cache (portal, entity_type_id, fields)
                    VALUES (\(portal), 2, '{"title":{},"stageId":{}}'), (\(portal), 1280, '{"title":{}}')
                    """
                )
                try await pool.execute(
                    """
                    INSERT INTO sync_ledger (idempotency_key, operation, portal, entity_type_id, origin_id, status,
                                             error_code, error_message)
                    VALUES ('k1', 'upsert', \(portal), 2, 'D-1', 'dead', 'invalid_fields',
                            'stage WON requires ufCrm_5 (required by stage)')
                    """
                )
                try await pool.execute(
                    """
                    CREATE TABLE pull_resyncs (portal text, entity_type_id int, pages int, items_seen int,
                                               finished_at timestamptz);
                    """
                )
                try await pool.execute(
                    """
                    INSERT INTO pull_resyncs VALUES (\(portal), 2, 25, 1240, now() - interval '1 hour'),
                                                    (\(portal), 2, 1, 7, now())
                    """
                )
                try await pool.execute(
                    """
                    INSERT INTO portal_item_mirror (portal, entity_type_id, item_id, fields, updated_time,
                                                    updated_at_portal, changed_by)
                    VALUES (\(portal), 2, 1, '{}', 't', now(), 'erp'), (\(portal), 2, 2, '{}', 't', now(), 'erp'),
                           (\(portal), 2, 3, '{}', 't', now(), 'portal')
                    """
                )
                rows = try await Self.report(fixture, portal)
                #expect(rows["`crm.item.fields` cache refresh on install/update"]?.status == "PASS")
                #expect(
                    rows["`crm.item.fields` cache refresh on install/update"]?.evidence.contains("2 fields") == true
                )
                let paging = try #require(rows["Pagination completeness (`start`, 50/page)"])
                #expect(paging.status == "PASS")
                #expect(paging.evidence.contains("\"items_seen\":7"), "the newest resync: \(paging.evidence)")
                #expect(rows["Required-by-stage fields handled"]?.status == "PASS")
                #expect(
                    rows["Required-by-stage fields handled"]?.evidence.contains("1 change(s) refused before") == true
                )
                let echoes = try #require(rows["Robots/automation side effects covered"])
                #expect(echoes.status == "PASS")
                #expect(echoes.evidence.contains("2 item(s) last changed by our writes"))

                try await pool.execute(
                    """
                    INSERT INTO sync_ledger (idempotency_key, operation, portal, entity_type_id, origin_id, status,
                                             error_code, error_message)
                    VALUES ('k2', 'upsert', \(portal), 2, 'D-2', 'dead', 'CRM_FIELD_ERROR_REQUIRED', 'ufCrm_5 empty')
                    """
                )
                rows = try await Self.report(fixture, portal)
                let stage = try #require(rows["Required-by-stage fields handled"])
                #expect(stage.status == "FAIL", "a portal refusal means the check before the call missed it")
                #expect(stage.fix.contains("dead replay --error-code CRM_FIELD_ERROR_REQUIRED"))

                let markdown = try await fixture.syncctl("report", portal)
                #expect(markdown.output.contains("| Check | Status (`PASS/FAIL/N-A`) | Evidence | Risk | Fix |"))
                #expect(markdown.output.components(separatedBy: "\n").filter { $0.hasPrefix("| ") }.count == 6)
            }
        }

        @Test("a second drain or replay while one runs is refused with exit code 5")
        func oneMoveAtATime() async throws {
            try await OperatorFixture.run { fixture in
                try await fixture.pause()
                try await fixture.pool.withConnection { connection in
                    #expect(try await connection.tryAdvisoryLock(0x5359_4E43_4D4F_5645))
                    let busy = try await fixture.syncctl("drain")
                    #expect(busy.status == 5)
                    #expect(busy.errorOutput.contains("another drain"))
                    #expect(try await fixture.syncctl("replay", "--from", "hold").status == 5)
                    try await connection.advisoryUnlock(0x5359_4E43_4D4F_5645)
                }
                #expect(try await fixture.syncctl("drain").status == 0)
            }
        }
    }
}
