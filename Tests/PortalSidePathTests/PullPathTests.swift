import AMQPClient
import Bitrix24
import EventGateway
import FleetRuntime
import Foundation
import PQClient
import PullPath
import StructuredLogging
import SyncCore
import TestSupport
import Testing

@Suite("Pull worker", .serialized)
struct PullPathTests {
    @Test("an edit on the portal reaches b24.changes once; the same event delivered three times is pulled once")
    func portalChange() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            try await harness.bindDealEvents(portal)
            let id = try harness.portals.seed(portal.domain, count: 1)
            try await harness.withWorkers {
                try harness.portals.userEdit(portal.domain, id: id, title: "Renamed on the portal")
                try await harness.eventually("the edit reaches b24.changes") {
                    try await harness.outcomes(portal: portal.domain).contains { $0.kind == .changed }
                }
                try await Task.sleep(for: .milliseconds(500))
                let changed = try await harness.outcomes(portal: portal.domain).filter { $0.kind == .changed }
                #expect(changed.count == 1)
                #expect(changed.first?.id == Int64(id))
                #expect(changed.first?.item?["title"]?.stringValue == "Renamed on the portal")
                #expect(changed.first?.drift == [], "the ERP never sent this item, so nothing it owns drifted")

                let gets = harness.portals.calls(portal.domain, "crm.item.get")
                let body = EventForm.body(
                    event: "ONCRMDEALUPDATE",
                    id: Int64(id),
                    ts: 1_790_000_000,
                    domain: portal.domain,
                    memberID: portal.memberID,
                    applicationToken: portal.applicationToken,
                    accessToken: "user-token"
                )
                for _ in 0..<3 {
                    try await PortalSideSimulator.deliver(
                        url: harness.gatewayURL + "/hooks/crm/deal-update",
                        formBody: body
                    )
                }
                try await harness.eventually("the event is pulled") {
                    harness.portals.calls(portal.domain, "crm.item.get") > gets
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(
                    harness.portals.calls(portal.domain, "crm.item.get") == gets + 1,
                    "one pull for three deliveries"
                )
                #expect(try await harness.depth("sync.pull") == 0)
                #expect(
                    try await harness.outcomes(portal: portal.domain).filter { $0.kind == .changed }.count == 1,
                    "an unchanged item is not news"
                )
            }
        }
    }

    @Test("the upsert worker's write and a robot's reaction to it publish nothing; a person's edit after them does")
    func echoesAreSuppressed() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            try await harness.bindDealEvents(portal)
            // The robot reacts more than a second later: the gateway keys update events on their whole-second `ts`, so
            // a reaction within the write's second would be one event with it (polling catches that case).
            harness.portals.addRobot(portal.domain, stageId: "WON", assignTo: 9, delayMilliseconds: 1100)
            try await harness.withWorkers(upserts: true) {
                try await harness.publishUpsert(
                    portal: portal.domain,
                    originId: "D-1",
                    fields: ["title": "Pump delivery", "stageId": "WON", "opportunity": 1500.0]
                )
                try await harness.eventually("the ERP change is synced") {
                    try await harness.outcomes(portal: portal.domain).contains { $0.kind == .synced }
                }
                guard
                    let id = try await harness.outcomes(portal: portal.domain).first(where: { $0.kind == .synced })?.id
                else { throw HarnessError("no synced outcome") }
                try await harness.eventually("the robot reacts to the write") {
                    harness.portals.deal(portal.domain, id: Int(id)).assignedById == 9
                }
                let robotState = harness.portals.deal(portal.domain, id: Int(id)).updatedTime
                try await harness.eventually("the pull worker has seen the robot's state") {
                    try await harness.pool.query(
                        """
                        SELECT updated_time, changed_by FROM portal_item_mirror
                        WHERE portal = \(portal.domain) AND item_id = \(id)
                        """
                    ).first.map {
                        try $0.decode(String.self, column: "updated_time") == robotState
                            && $0.decode(String.self, column: "changed_by") == "erp"
                    } ?? false
                }
                try await Task.sleep(for: .milliseconds(500))
                let outcomes = try await harness.outcomes(portal: portal.domain)
                let echoes = outcomes.filter { $0.kind == .changed }
                #expect(echoes.isEmpty, "an echo was published as a portal change: \(echoes)")
                #expect(try await harness.depth("sync.upsert") == 0, "an echo queued an upsert")
                #expect(try await harness.pullRows(portal: portal.domain) >= 1, "the events were pulled")

                // The gateway keys an update on the event's ts (whole seconds, the contract's key): an edit in the
                // robot's second would be taken for a duplicate of the robot's event.
                let robotSecond = Date().timeIntervalSince1970.rounded(.down)
                try await harness.eventually("the next second") { Date().timeIntervalSince1970 >= robotSecond + 1 }
                try harness.portals.userEdit(portal.domain, id: Int(id), title: "Pump delivery (edited)")
                try await harness.eventually("the person's edit reaches b24.changes") {
                    try await harness.outcomes(portal: portal.domain).contains { $0.kind == .changed }
                }
                let changed = try await harness.outcomes(portal: portal.domain).filter { $0.kind == .changed }
                #expect(changed.count == 1)
                #expect(changed.first?.drift == ["title"], "only the title differs from what the ERP sent")
                #expect(changed.first?.originId == "D-1")
            }
        }
    }

    @Test("a delete made on the portal is published; the fleet's own delete comes back as an event and is not")
    func deletes() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            try await harness.bindDealEvents(portal)
            let seeded = try harness.portals.seed(portal.domain, count: 1)
            try await harness.withWorkers(upserts: true, deletes: true) {
                try await harness.publishUpsert(portal: portal.domain, originId: "D-7", fields: ["title": "Valve"])
                try await harness.eventually("the ERP change is synced") {
                    try await harness.outcomes(portal: portal.domain).contains { $0.kind == .synced }
                }
                try await harness.publishUpsert(portal: portal.domain, originId: "D-7", fields: nil)
                try await harness.eventually("the fleet's delete is pulled back") {
                    try await harness.pool.query(
                        """
                        SELECT 1 FROM sync_ledger WHERE portal = \(portal.domain) AND operation = 'pull'
                          AND origin_id = 'D-7' AND idempotency_key LIKE '%|deleted'
                        """
                    ).count == 1
                }
                let fleetDeletes = try await harness.outcomes(portal: portal.domain).filter { $0.kind == .deleted }
                #expect(fleetDeletes.count == 1, "only the delete worker reports the ERP's own delete")

                try harness.portals.userDelete(portal.domain, id: seeded)
                try await harness.eventually("the portal-side delete reaches b24.changes") {
                    try await harness.outcomes(portal: portal.domain).contains {
                        $0.kind == .deleted && $0.id == Int64(seeded)
                    }
                }
            }
        }
    }

    @Test("an event the portal never delivered is caught by the polling fallback within one interval, on one replica")
    func pollingFallback() async throws {
        let interval = 2.0
        try await PortalSideHarness.run(pollingSeconds: Int(interval)) { harness in
            let portal = try await harness.makePortal()
            let id = try harness.portals.seed(portal.domain, count: 1)
            let started = ContinuousClock.now
            try await harness.withWorkers(pollers: 3) {
                try await harness.eventually("the first poll pulls the seeded deal") {
                    try await harness.pullRows(portal: portal.domain) >= 1
                }
                let edited = ContinuousClock.now
                try harness.portals.userEdit(portal.domain, id: id, title: "Edited, event lost", dropEvents: true)
                try await harness.eventually("the lost edit reaches b24.changes", timeout: .seconds(10)) {
                    try await harness.outcomes(portal: portal.domain).contains {
                        $0.kind == .changed && $0.item?["title"]?.stringValue == "Edited, event lost"
                    }
                }
                let caughtAfter = ContinuousClock.now - edited
                #expect(caughtAfter < .seconds(interval + 1.5), "caught after \(caughtAfter), interval \(interval) s")
            }
            let elapsed = ContinuousClock.now - started
            let runs = harness.logs.lines.filter { $0.contains("\"polling run\"") }.count
            let allowed = Int(Double(elapsed.components.seconds) / interval) + 1
            #expect(runs >= 1 && runs <= allowed, "\(runs) polling runs in \(elapsed) with 3 replicas")
        }
    }

    @Test("resync walks every one of 1,240 deals once and queues each for pull")
    func resync() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            _ = try harness.portals.seed(portal.domain, count: 1240)
            guard
                let connection = try await PortalDirectory(pool: harness.pool, http: harness.http)
                    .connection(for: portal.domain)
            else { throw HarnessError("portal not callable") }
            let counts = try await PortalResync(
                events: PortalEventPublisher(publisher: harness.publisher),
                budget: PortalRequestBudget(pool: harness.pool)
            ).run(connection, entities: ["deal"])
            #expect(counts == ["deal": 1240])
            #expect(harness.portals.calls(portal.domain, "crm.item.list") == 25, "50 a page, no page twice")
            try await harness.eventually("1,240 pulls are queued") { try await harness.depth("sync.pull") == 1240 }
            let ids = Set(try await harness.drain("sync.pull").compactMap { PortalEventMessage(bytes: $0.body)?.id })
            #expect(ids.count == 1240)
        }
    }

    @Test("two replicas meeting an expired OAuth token at once make one refresh, and both calls succeed")
    func oauthRefreshOnce() async throws {
        try await PortalSideHarness.run { harness in
            let identity = harness.portals.addPortal("oauth-\(UUID().uuidString.prefix(8).lowercased()).test")
            _ = try await harness.installOAuthPortal(identity)
            harness.portals.expireTokens(identity.domain)
            // Each replica has its own directory and refresher, as separate processes would; both hold the expired
            // token before either calls, so neither can read the other's new one from the registry first.
            var replicas: [PortalConnection] = []
            for _ in 0..<2 {
                let directory = PortalDirectory(pool: harness.pool, http: harness.http)
                replicas.append(try #require(try await directory.connection(for: identity.domain)))
            }
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for portal in replicas {
                    group.addTask {
                        let refresher = OAuthTokenRefresher(
                            pool: harness.pool,
                            http: harness.http,
                            logger: harness.logger
                        )
                        do {
                            _ = try await portal.client.call("crm.item.list", ["entityTypeId": 2])
                            return false
                        } catch let error as Bitrix24Error where error.code == .expiredToken {
                            let client = try await refresher.refreshedClient(for: portal, after: error)
                            _ = try await client.call("crm.item.list", ["entityTypeId": 2])
                            return true
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results == [true, true], "both replicas met the expired token and then succeeded")
            #expect(harness.portals.refreshes(identity.domain) == 1, "one refresh for the fleet")
            let stored = try await harness.pool.query(
                "SELECT token_refreshes FROM portals WHERE domain = \(identity.domain)"
            ).first?.decode(Int.self, column: "token_refreshes")
            #expect(stored == 1)
        }
    }
}
