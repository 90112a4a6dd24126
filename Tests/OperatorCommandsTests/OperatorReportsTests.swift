import FleetRuntime
import Foundation
import OperatorCommands
import SyncCore
import TestSupport
import Testing
import WritePath

/// The plain-value parts of the operator commands: no services.
@Suite("Operator reports and queue names")
struct OperatorReportsTests {
    static let contract: IntegrationContract = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("schemas/contract.json")
        return try! IntegrationContract.load(from: url)
    }()

    static func capabilities(missing: Set<String>, scopes: Set<String> = ["crm"], legacy: Bool = false)
        -> PortalCapabilities
    {
        var methods: [String: Bool] = [:]
        for row in contract.capabilities { methods[row.method] = !missing.contains(row.method) }
        if legacy {
            for row in contract.capabilities { methods[PortalCapabilities.legacyName(of: row.method)] = true }
        }
        return PortalCapabilities(scopes: scopes, methods: methods, legacyBridge: legacy)
    }

    @Test("every method available: PASS, no fallback in force")
    func allAvailable() {
        let report = PreflightReport(portal: "p", contract: Self.contract, capabilities: Self.capabilities(missing: []))
        #expect(report.verdict == "PASS")
        #expect(report.route == "crm.item.*")
        #expect(report.fallbacksInForce.isEmpty)
        #expect(report.methods.map(\.method) == Self.contract.capabilities.map(\.method))
        #expect(report.markdown.contains("Fallbacks in force: none"))
    }

    @Test("each missing method shows its own fallback; only sync-stopping or write-blocking ones fail")
    func fallbacksByMethod() {
        let noDelete = PreflightReport(
            portal: "p",
            contract: Self.contract,
            capabilities: Self.capabilities(missing: ["crm.item.delete"])
        )
        #expect(noDelete.verdict == "PASS")
        #expect(noDelete.fallbacksInForce.count == 1)
        #expect(noDelete.methods.first { $0.method == "crm.item.delete" }?.inForce.contains("soft close") == true)

        let noFields = PreflightReport(
            portal: "p",
            contract: Self.contract,
            capabilities: Self.capabilities(missing: ["crm.item.fields"]),
            schemaCacheAgeSeconds: 125
        )
        #expect(noFields.verdict == "PASS", "a cached schema keeps the portal syncing")
        #expect(noFields.fallbacksInForce == ["crm.item.fields: cached crm.item.fields schema, 125 s old"])

        let noAdd = PreflightReport(
            portal: "p",
            contract: Self.contract,
            capabilities: Self.capabilities(missing: ["crm.item.add"])
        )
        #expect(noAdd.verdict == "FAIL")
        #expect(noAdd.methods.first { $0.method == "crm.item.add" }?.inForce.contains("held") == true)

        let noGet = PreflightReport(
            portal: "p",
            contract: Self.contract,
            capabilities: Self.capabilities(missing: ["crm.item.get"])
        )
        #expect(noGet.verdict == "FAIL")
        #expect(noGet.route == "stopped")
        #expect(noGet.stoppedReason?.contains("crm.item.get") == true)

        let noScope = PreflightReport(
            portal: "p",
            contract: Self.contract,
            capabilities: Self.capabilities(missing: [], scopes: ["user"])
        )
        #expect(noScope.verdict == "FAIL")
        #expect(noScope.scopes.first { $0.scope == "crm" }?.check == "FAIL")
    }

    @Test("a crm_legacy_bridge portal without crm.item.* runs on crm.deal.* and says so")
    func legacyBridge() {
        let report = PreflightReport(
            portal: "p",
            contract: Self.contract,
            capabilities: Self.capabilities(missing: Set(Self.contract.capabilities.map(\.method)), legacy: true)
        )
        #expect(report.route == "crm.deal.* (crm_legacy_bridge)")
        #expect(report.verdict == "PASS")
        #expect(report.methods.contains { $0.method == "crm.deal.list" && $0.inForce == "in use for deals" })
    }

    @Test("the checklist is one Markdown table row per check, with pipes in evidence escaped")
    func checklistMarkdown() {
        let report = VerificationReport(
            portal: "acme.test",
            generatedAt: "2026-11-27T12:00:00Z",
            checks: [
                .init(check: "A", status: "PASS", evidence: "x | y\nz", risk: "low", fix: "n/a"),
                .init(check: "B", status: "N-A", evidence: "no resync recorded", risk: "med", fix: "run one"),
            ]
        )
        let lines = report.markdown.split(separator: "\n").filter { $0.hasPrefix("|") }
        #expect(lines.count == 4)
        #expect(lines[2] == #"| A | PASS | x \| y z | low | n/a |"#)
        #expect(lines[3] == "| B | N-A | no resync recorded | med | run one |")
    }

    @Test("the queues drain and replay touch are the ones setup declares")
    func queueFamilies() throws {
        let root = TestEnvironment.repositoryRoot
        let definition = try TopologyDefinition.load(from: root.appendingPathComponent("infra/rabbitmq/topology.json"))
        let plan = try TopologyPlan(definition: definition, contract: Self.contract)
        let queues = FleetQueues(plan: plan, definition: definition)
        #expect(queues.families.map(\.work) == ["sync.upsert", "sync.delete", "sync.pull"])
        let upsert = try #require(queues.families.first)
        #expect(upsert.hold == "sync.upsert.hold")
        #expect(upsert.dead == "sync.upsert.dead")
        let declared = Set(plan.queues.map(\.name))
        for family in queues.families {
            #expect(!family.retries.isEmpty)
            #expect(Set(family.retries + [family.work, family.hold, family.dead]).isSubset(of: declared))
        }
        #expect(try queues.selecting(["delete"]).map(\.work) == ["sync.delete"])
        #expect(try queues.selecting(["sync.pull"]).map(\.work) == ["sync.pull"])
        #expect(throws: OperatorCommandError.self) { try queues.selecting(["sync.nope"]) }
    }

    @Test("a selector with no criterion selects everything and says it is empty")
    func emptySelector() {
        #expect(DeadLetterSelector().isEmpty)
        #expect(!DeadLetterSelector(errorCode: "schema").isEmpty)
    }
}
