import Foundation
import SyncCore
import TestSupport
import Testing

/// The shipped schemas/contract.json says what docs/crm-artifact-pack.md says: each table cell is compared with
/// the loaded contract, so editing either one alone fails here.
@Suite struct ContractMatchesSeedTests {
    let contract: IntegrationContract
    let seed: String

    init() throws {
        let root = TestEnvironment.repositoryRoot
        contract = try IntegrationContract.load(from: root.appendingPathComponent("schemas/contract.json"))
        seed = try String(contentsOf: root.appendingPathComponent("docs/crm-artifact-pack.md"), encoding: .utf8)
    }

    @Test func retryTableMatchesSection6() throws {
        let rows = try MarkdownSection(document: seed, number: 6).tableRows
        #expect(rows.count == 3)
        #expect(rows.count == contract.operations.count)
        for cells in rows {
            let row = try #require(contract.operations.first { $0.title == cells[0] }, "no row titled \(cells[0])")
            #expect(row.idempotencyKey == SeedCell.keyParts(cells[1]), "\(cells[0]) key")
            #expect(row.retryableErrors == SeedCell.list(cells[2]), "\(cells[0]) retryable errors")
            #expect(row.maxRetries == Int(cells[3]), "\(cells[0]) max retries")
            let bounds = SeedCell.integers(cells[4])
            #expect(bounds.map(Double.init) == [row.backoff.minSeconds, row.backoff.maxSeconds], "\(cells[0]) backoff")
            #expect(row.backoff.jitter == cells[4].contains("jitter"), "\(cells[0]) jitter")
            let policy = contract.retryPolicy(for: row.operation)
            #expect(policy.maxRetries == row.maxRetries)
            #expect(policy.minDelay == .seconds(bounds[0]) && policy.maxDelay == .seconds(bounds[1]))
        }
        let titles = Dictionary(uniqueKeysWithValues: contract.operations.map { ($0.title, $0.operation) })
        #expect(titles == ["Pull sync": .pull, "Create/update": .upsert, "Delete": .delete])
    }

    @Test func rollbackTriggerMatchesSection1() throws {
        let bullets = try MarkdownSection(document: seed, number: 1).bullets
        let trigger = try #require(bullets.first { $0.hasPrefix("Error rate") })
        #expect(trigger.contains("on write operations"))
        let numbers = SeedCell.integers(trigger)
        try #require(numbers.count == 2)
        #expect(trigger.hasPrefix("Error rate > \(numbers[0])%"))
        #expect(abs(contract.rollback.errorRate - Double(numbers[0]) / 100) < 1e-12)
        #expect(contract.rollback.windowSeconds == numbers[1] * 60)
        #expect(trigger.hasSuffix("\(numbers[1]) minutes."))
        #expect(Set(contract.rollback.writeOperations) == [.upsert, .delete])
        #expect(contract.rollback.minimumWrites == 20)
    }

    @Test func eventMapAndPollingMatchSection5() throws {
        let section = try MarkdownSection(document: seed, number: 5)
        let rows = section.tableRows
        #expect(rows.count == contract.events.count)
        for cells in rows {
            let route = try #require(contract.eventRoute(named: SeedCell.unquote(cells[0])))
            #expect(route.event == SeedCell.unquote(cells[0]))
            #expect(route.mode == cells[1])
            #expect(route.handler == SeedCell.unquote(cells[2]))
            #expect(route.applicationTokenCheck == (cells[3] == "PASS"))
            #expect(route.idempotencyKey == SeedCell.keyParts(cells[4]))
            #expect(route.maxRetries == SeedCell.integers(cells[5]).first)
            #expect(cells[5].contains("exp backoff") && route.backoff == "exponential")
        }
        let update = try #require(contract.eventRoute(named: "ONCRMDEALUPDATE"))
        let add = try #require(contract.eventRoute(named: "ONCRMDEALADD"))
        #expect(contract.eventIntake.idempotencyKey.update == update.idempotencyKey)
        #expect(contract.eventIntake.idempotencyKey.add == add.idempotencyKey)
        #expect(contract.eventIntake.maxRetries == update.maxRetries)
        #expect(contract.eventIntake.worker == "gateway")
        #expect(contract.eventIntake.retryableErrors == ["broker unavailable"])

        let polling = try #require(section.bullets.first { $0.hasPrefix("Polling fallback") })
        let minutes = try #require(SeedCell.integers(polling).first)
        #expect(contract.polling.intervalSeconds == minutes * 60)
        #expect(contract.pollingInterval == .seconds(900))
    }

    @Test func entityMappingMatchesSection4() throws {
        let section = try MarkdownSection(document: seed, number: 4)
        let rows = section.tableRows
        #expect(rows.count == contract.entities.count)
        for cells in rows {
            let mapping = try #require(contract.entities.first { $0.title == cells[0] }, "no entity \(cells[0])")
            #expect(mapping.entityTypeId == Int(cells[1]))
            #expect(mapping.fieldMapSource == SeedCell.unquote(cells[2]))
            #expect(mapping.upsertKey == SeedCell.keyParts(cells[3]))
            let notes = SeedCell.unquote(cells[4])
            if notes.hasPrefix("originatorId=") {
                #expect(mapping.originatorId == String(notes.dropFirst("originatorId=".count)))
                #expect(mapping.erpIdField == "originId" && !mapping.smartProcess)
            } else {
                #expect(notes == "Smart-process")
                #expect(mapping.smartProcess && mapping.erpIdField == "xmlId" && mapping.originatorId == nil)
            }
        }
        #expect(contract.entity(named: "deal")?.entityTypeId == 2)
        #expect(contract.entity(named: "service_ticket")?.entityTypeId == 1280)
        #expect(contract.entity(typeId: 1280)?.entity == "service_ticket")
        #expect(section.bullets.contains("`useOriginalUfNames` fixed to `\(contract.useOriginalUfNames)`."))
        #expect(
            section.bullets.contains("Legacy methods allowed only under feature flag `\(contract.legacyFeatureFlag)`.")
        )
    }

    @Test func capabilityMatrixMatchesSection3() throws {
        let rows = try MarkdownSection(document: seed, number: 3).tableRows
        let fallbackText: [String: Capability.Fallback] = [
            "Stop sync if unavailable": .stopSync,
            "Queue for retry if transient": .retryTransient,
            "Soft close in external ERP": .softClose,
            "Use cached previous schema": .cachedSchema,
        ]
        #expect(rows.count == contract.capabilities.count)
        for cells in rows {
            let capability = try #require(contract.capability(method: SeedCell.unquote(cells[0])))
            #expect(capability.required == SeedCell.yesNo(cells[1]))
            #expect(capability.fallback == fallbackText[cells[3]], "\(cells[0]) fallback")
        }
    }

    @Test func scopesMatchSection2() throws {
        let rows = try MarkdownSection(document: seed, number: 2).tableRows
        #expect(rows.count == contract.scopes.count)
        for cells in rows {
            let scope = try #require(contract.scopes.first { $0.scope == SeedCell.unquote(cells[0]) })
            #expect(scope.required == SeedCell.yesNo(cells[1]))
            #expect(scope.why == cells[2])
        }
        #expect(contract.requiredScopes == ["crm"])
    }

    /// The repository carries the contract verbatim; where the original is at hand, they must be identical.
    @Test func docsCopyIsIdenticalToTheSeed() throws {
        let root = TestEnvironment.repositoryRoot
        let originals = [
            URL(fileURLWithPath: "/work/shared/seed/crm-artifact-pack.md"),
            root.deletingLastPathComponent().appendingPathComponent("shared/seed/crm-artifact-pack.md"),
        ].filter { FileManager.default.fileExists(atPath: $0.path) }
        let copy = try Data(contentsOf: root.appendingPathComponent("docs/crm-artifact-pack.md"))
        for original in originals {
            #expect(try Data(contentsOf: original) == copy, "docs/ differs from \(original.path)")
        }
    }
}
