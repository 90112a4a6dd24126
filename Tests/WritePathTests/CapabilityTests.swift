import AMQPClient
import Bitrix24
import FleetRuntime
import Foundation
import SyncCore
import TestSupport
import Testing
import WritePath

extension WritePathIntegration {
    /// Seed §3's capability check against the simulator: `scope` and `method.get` decide each portal's write plan,
    /// a portal that cannot be synced has its messages held rather than dead-lettered, and a portal flagged
    /// `crm_legacy_bridge` without `crm.item.*` has its deals written through `crm.deal.*`.
    @Suite("Capabilities", .serialized, .timeLimit(.minutes(3)))
    struct CapabilityTests {
        static let epoch = 1_780_000_000.0
        static let itemMethods: Set<String> = [
            "crm.item.list", "crm.item.get", "crm.item.add", "crm.item.update", "crm.item.delete", "crm.item.fields",
        ]

        /// A fresh cache's plan for `domain`, and the cache (to ask again).
        static func plan(of domain: String, harness: WritePathHarness, cache: CapabilityCache? = nil) async throws
            -> WritePlan
        {
            let directory = PortalDirectory(pool: harness.pool, http: harness.http)
            let portal = try #require(try await directory.connection(for: domain))
            let cache =
                cache
                ?? CapabilityCache(
                    matrix: harness.contract.capabilities,
                    budget: PortalRequestBudget(pool: harness.pool),
                    logger: harness.logger
                )
            return try await cache.plan(for: portal)
        }

        /// A registered portal that offers no `crm.item.*` method; returns its domain and webhook URL.
        static func makePortalWithoutItemAPI(legacyBridge: Bool, harness: WritePathHarness) async throws
            -> (domain: String, webhook: String)
        {
            let domain = "t-\(UUID().uuidString.lowercased()).test"
            let webhook = harness.portals.addPortal(domain, disabledMethods: itemMethods)
            try await PortalRegistry(pool: harness.pool).save(
                PortalRegistration(domain: domain, webhookURL: webhook, legacyBridge: legacyBridge, plan: .box)
            )
            return (domain, webhook)
        }

        @Test("a portal without crm.item.delete keeps the item API but may not delete; the check is asked once")
        func portalWithoutDeleteMayNotDelete() async throws {
            try await WritePathHarness.run { harness in
                let full = try await harness.makePortal()
                let noDelete = try await harness.makePortal(disabledMethods: ["crm.item.delete"])
                let fullPlan = try await Self.plan(of: full, harness: harness)
                #expect(fullPlan == WritePlan(route: .itemAPI, canDelete: true, fieldsAvailable: true))

                let cache = CapabilityCache(
                    matrix: harness.contract.capabilities,
                    budget: PortalRequestBudget(pool: harness.pool),
                    logger: harness.logger
                )
                let first = try await Self.plan(of: noDelete, harness: harness, cache: cache)
                let second = try await Self.plan(of: noDelete, harness: harness, cache: cache)
                #expect(first == WritePlan(route: .itemAPI, canDelete: false, fieldsAvailable: true))
                #expect(second == first)
                #expect(first.blocker(for: .upsert, entityTypeId: 2) == nil)
                #expect(first.blocker(for: .delete, entityTypeId: 2) == nil)
                let counters = harness.portals.counters(of: noDelete)
                #expect(counters.calls("scope") == 1, "the second plan must come from the cache")
                #expect(counters.calls("method.get") == harness.contract.capabilities.count)
            }
        }

        @Test("the check at start asks every registered portal once, in one request, for the whole fleet")
        func startupCheckAsksOncePerFleet() async throws {
            try await WritePathHarness.run { harness in
                let noDelete = try await harness.makePortal(disabledMethods: ["crm.item.delete"])
                let directory = PortalDirectory(pool: harness.pool, http: harness.http)
                let check = StartupCapabilityCheck(
                    contract: harness.contract,
                    pool: harness.pool,
                    directory: directory,
                    logger: harness.logger
                )
                let plans = await check.checkAll([noDelete])
                #expect(plans[noDelete] == WritePlan(route: .itemAPI, canDelete: false, fieldsAvailable: true))
                #expect(harness.portals.counters(of: noDelete).requests == 1, "scope and method.get in one batch")

                // A second replica starting, and a worker's own cache, use the shared answer.
                await check.checkAll([noDelete])
                let cache = CapabilityCache(
                    matrix: harness.contract.capabilities,
                    budget: PortalRequestBudget(pool: harness.pool),
                    sharedThrough: harness.pool,
                    logger: harness.logger
                )
                let portal = try #require(try await directory.connection(for: noDelete))
                #expect(try await cache.plan(for: portal) == plans[noDelete])
                #expect(harness.portals.counters(of: noDelete).requests == 1)

                // An answer proved wrong is not taken from the shared record again.
                cache.invalidate(portal)
                _ = try await cache.plan(for: portal)
                #expect(harness.portals.counters(of: noDelete).requests == 2)
            }
        }

        @Test("a portal without crm.item.list is stopped: its upserts are held with CAPABILITY_MISSING, not dead")
        func portalWithoutListIsStoppedAndHeld() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await harness.makePortal(disabledMethods: ["crm.item.list"])
                let plan = try await Self.plan(of: portal, harness: harness)
                guard case .stopped(let reason) = plan.route else {
                    Issue.record("expected a stopped plan, got \(plan.route)")
                    return
                }
                #expect(reason.contains("crm.item.list"))
                #expect(plan.blocker(for: .upsert, entityTypeId: 2) == reason)
                #expect(plan.blocker(for: .delete, entityTypeId: 2) == reason)

                let messageID = try await harness.publishChange(
                    portal: portal,
                    originId: "C-HELD",
                    changedAt: Self.epoch
                )
                try await harness.withWorkers(.upsert) {
                    try await harness.eventually("the worker checked the portal's capabilities") {
                        harness.portals.counters(of: portal).calls("method.get") >= harness.contract.capabilities.count
                    }
                    // Long enough for the message to go round the hold several times.
                    try await Task.sleep(for: .seconds(1))
                }
                let held = DeliveriesSeen()
                try await harness.eventually("the held message is back in sync.upsert", timeout: .seconds(10)) {
                    held.add(try await harness.drain("sync.upsert"))
                    return held.all.contains { $0.properties.messageID == messageID }
                }
                let message = try #require(held.all.first { $0.properties.messageID == messageID })
                let headers = message.properties.headers
                #expect(headers[MessageHeaders.errorCode]?.stringValue == "CAPABILITY_MISSING")
                #expect(headers[MessageHeaders.errorMessage]?.stringValue?.contains("crm.item.list") == true)
                #expect((headers[MessageHeaders.attempt]?.int64Value ?? 0) == 0, "a hold spends no attempt")
                #expect(try await harness.drain(harness.upsertDeadLetterQueue).isEmpty)
                #expect(try await harness.ledger(portal: portal).filter { $0.status == "dead" }.isEmpty)
                #expect(harness.portals.items(on: portal).isEmpty)
                #expect(harness.portals.counters(of: portal).calls("crm.item.add") == 0)
            }
        }

        @Test(
            "without crm.item.* a portal flagged crm_legacy_bridge writes deals through crm.deal.*; unflagged, it stops"
        )
        func legacyBridgeOnlyWithTheFlag() async throws {
            try await WritePathHarness.run { harness in
                let flagged = try await Self.makePortalWithoutItemAPI(legacyBridge: true, harness: harness)
                let unflagged = try await Self.makePortalWithoutItemAPI(legacyBridge: false, harness: harness)

                let legacy = try await Self.plan(of: flagged.domain, harness: harness)
                #expect(legacy == WritePlan(route: .legacyDeals, canDelete: true, fieldsAvailable: true))
                #expect(legacy.method("crm.item.delete") == "crm.deal.delete")
                #expect(legacy.blocker(for: .upsert, entityTypeId: 2) == nil)
                #expect(legacy.blocker(for: .upsert, entityTypeId: 1280) != nil, "the bridge carries deals only")
                #expect(harness.portals.counters(of: flagged.domain).calls("method.get") == 12)

                let stopped = try await Self.plan(of: unflagged.domain, harness: harness)
                guard case .stopped(let reason) = stopped.route else {
                    Issue.record("expected a stopped plan, got \(stopped.route)")
                    return
                }
                #expect(reason.contains("crm.item.list"))
                #expect(reason.contains("crm_legacy_bridge"))
                #expect(harness.portals.counters(of: unflagged.domain).calls("method.get") == 6)
            }
        }

        @Test(
            "a delete on a legacy-bridge portal finds the deal with crm.deal.list and removes it with crm.deal.delete"
        )
        func legacyDeleteUsesDealMethods() async throws {
            try await WritePathHarness.run { harness in
                let portal = try await Self.makePortalWithoutItemAPI(legacyBridge: true, harness: harness)
                let client = Bitrix24Client(credentials: .webhook(baseURL: portal.webhook), http: harness.http)
                let added = try await client.call(
                    "crm.deal.add",
                    ["fields": ["TITLE": "Legacy deal", "ORIGIN_ID": "L-1", "ORIGINATOR_ID": "erp"]]
                )
                let dealID = try #require(LegacyDealDialect.parseAdd(added))
                try await harness.withWorkers(.delete) {
                    let deleted = try await harness.publishChange(
                        portal: portal.domain,
                        originId: "L-1",
                        op: .delete,
                        changedAt: Self.epoch
                    )
                    let missing = try await harness.publishChange(
                        portal: portal.domain,
                        originId: "L-NEVER-SENT",
                        op: .delete,
                        changedAt: Self.epoch
                    )
                    try await harness.eventually("both deletes are done") {
                        let done = try await harness.ledger(portal: portal.domain, operation: .delete)
                            .filter { $0.status == "done" }.compactMap(\.messageID)
                        return Set([deleted, missing]).isSubset(of: Set(done))
                    }
                    let rows = try await harness.ledger(portal: portal.domain, operation: .delete)
                    #expect(rows.first { $0.messageID == deleted }?.itemID == dealID)
                    #expect(rows.first { $0.messageID == deleted }?.errorCode == nil)
                    #expect(rows.first { $0.messageID == missing }?.errorCode == "already_gone")
                    let counters = harness.portals.counters(of: portal.domain)
                    #expect(counters.calls("crm.deal.delete") == 1)
                    #expect(counters.calls("crm.deal.list") == 2)
                    #expect(counters.calls("crm.item.delete") == 0)
                    #expect(counters.calls("crm.item.list") == 0)
                    #expect(harness.portals.items(on: portal.domain).isEmpty, "the deal is gone from the portal")
                    // The outcome is published after the ledger commit: wait for it rather than race it.
                    try await harness.eventually("the deal.deleted outcome is published") {
                        try await !harness.outcomes(portal: portal.domain).filter { $0.kind == .deleted }.isEmpty
                    }
                    let outcomes = try await harness.outcomes(portal: portal.domain).filter { $0.kind == .deleted }
                    #expect(outcomes.map(\.id) == [dealID])
                    #expect(outcomes.first?.originId == "L-1")
                }
                #expect(try await harness.drain(harness.deleteDeadLetterQueue).isEmpty)
            }
        }
    }
}

/// The legacy `crm.deal.*` dialect and the plan decision as plain values: no services.
@Suite("Legacy deal dialect and write plans")
struct LegacyDealDialectTests {
    static let pairs = [
        ("id", "ID"), ("title", "TITLE"), ("stageId", "STAGE_ID"), ("opportunity", "OPPORTUNITY"),
        ("currencyId", "CURRENCY_ID"), ("originatorId", "ORIGINATOR_ID"), ("originId", "ORIGIN_ID"),
        ("assignedById", "ASSIGNED_BY_ID"), ("categoryId", "CATEGORY_ID"), ("typeId", "TYPE_ID"),
        ("isManualOpportunity", "IS_MANUAL_OPPORTUNITY"), ("begindate", "BEGINDATE"), ("createdBy", "CREATED_BY_ID"),
        ("updatedBy", "MODIFY_BY_ID"), ("createdTime", "DATE_CREATE"), ("updatedTime", "DATE_MODIFY"),
        ("movedTime", "MOVED_TIME"), ("parentId1220", "PARENT_ID_1220"),
        ("ufCrm_1721244707107", "UF_CRM_1721244707107"),
    ]

    @Test("crm.item field names translate to legacy names and back")
    func fieldNamesRoundTrip() {
        for (item, legacy) in Self.pairs {
            #expect(LegacyDealDialect.legacyName(of: item) == legacy)
            #expect(LegacyDealDialect.itemName(of: legacy) == item)
        }
    }

    @Test("commands carry legacy names; answers parse into crm.item shapes")
    func commandsAndAnswers() {
        let add = LegacyDealDialect.addCommand(
            name: "w0",
            fields: ["title": "Pump", "ufCrm_1721244707107": 12.5],
            originId: "D-1",
            originatorId: "erp"
        )
        #expect(add.method == "crm.deal.add")
        let fields = add.params["fields"]?.objectValue
        #expect(fields?["TITLE"] == "Pump")
        #expect(fields?["UF_CRM_1721244707107"] == 12.5)
        #expect(fields?["ORIGIN_ID"] == "D-1")
        #expect(fields?["ORIGINATOR_ID"] == "erp")

        let update = LegacyDealDialect.updateCommand(name: "w1", id: 7, fields: ["stageId": "WON"])
        #expect(update.method == "crm.deal.update")
        #expect(update.params["id"] == 7)
        #expect(update.params["fields"]?.objectValue?["STAGE_ID"] == "WON")

        let lookUp = LegacyDealDialect.lookUpCommand(name: "find", originIds: ["D-1", "D-2"])
        #expect(lookUp.method == "crm.deal.list")
        #expect(lookUp.params["filter"]?.objectValue?["@ORIGIN_ID"] == ["D-1", "D-2"])
        #expect(LegacyDealDialect.deleteCommand(name: "d0", id: 9).params["id"] == 9)

        let rows = Bitrix24Response(
            result: [
                ["ID": "12", "ORIGIN_ID": "D-1"], ["ID": "10", "ORIGIN_ID": "D-1"], ["ID": "11", "ORIGIN_ID": "D-2"],
            ]
        )
        #expect(LegacyDealDialect.parseLookUp(rows) == ["D-1": 10, "D-2": 11])
        #expect(LegacyDealDialect.parseAdd(Bitrix24Response(result: 394)) == 394)
        #expect(LegacyDealDialect.parseAdd(Bitrix24Response(result: "395")) == 395)
        #expect(
            LegacyDealDialect.itemAnswer(Bitrix24Response(result: 394), itemID: nil)?.result == ["item": ["id": 394]]
        )
        #expect(LegacyDealDialect.itemAnswer(Bitrix24Response(result: true), itemID: 7)?.result == ["item": ["id": 7]])
        #expect(LegacyDealDialect.itemAnswer(Bitrix24Response(result: false), itemID: 7) == nil)
        #expect(LegacyDealDialect.item(fromLegacy: ["ID": "410", "STAGE_ID": "NEW"]) == ["id": 410, "stageId": "NEW"])
        let notFound = Bitrix24Error(portalCode: "", description: "Not found", httpStatus: 400)
        #expect(LegacyDealDialect.isNotFound(notFound))
        #expect(
            !LegacyDealDialect.isNotFound(Bitrix24Error(portalCode: "", description: "Access denied", httpStatus: 400))
        )
    }

    @Test("the plan follows the contract's matrix: scope, stop_sync, soft_close, cached_schema, retry_transient")
    func planDecisions() throws {
        let contract = try IntegrationContract.load(
            from: TestEnvironment.repositoryRoot.appendingPathComponent("schemas/contract.json")
        )
        let matrix = contract.capabilities
        let all = Dictionary(uniqueKeysWithValues: matrix.map { ($0.method, true) })
        func plan(_ missing: Set<String>, scopes: Set<String> = ["crm"], legacy: Bool = false) -> WritePlan {
            var methods = all
            for method in missing { methods[method] = false }
            if legacy { for row in matrix { methods[PortalCapabilities.legacyName(of: row.method)] = true } }
            return PortalCapabilities(scopes: scopes, methods: methods, legacyBridge: legacy).plan(matrix: matrix)
        }
        #expect(plan([]) == WritePlan(route: .itemAPI, canDelete: true, fieldsAvailable: true))
        #expect(plan(["crm.item.fields"]).fieldsAvailable == false)
        #expect(plan(["crm.item.fields"]).route == .itemAPI)
        let noAdd = plan(["crm.item.add"])
        #expect(noAdd.missingWriteMethods == ["crm.item.add"])
        #expect(noAdd.blocker(for: .upsert, entityTypeId: 2)?.contains("crm.item.add") == true)
        #expect(noAdd.blocker(for: .delete, entityTypeId: 2) == nil)
        if case .stopped(let reason) = plan([], scopes: ["user"]).route {
            #expect(reason.contains("'crm' scope"))
        } else {
            Issue.record("a portal without the crm scope must be stopped")
        }
        if case .stopped(let reason) = plan(["crm.item.get"]).route {
            #expect(reason.contains("crm.item.get"))
        } else {
            Issue.record("a portal without crm.item.get must be stopped")
        }
        #expect(plan(["crm.item.get"], legacy: true).route == .legacyDeals)
        #expect(plan([], legacy: true).route == .itemAPI, "the bridge is used only when crm.item.* is missing")
    }
}
