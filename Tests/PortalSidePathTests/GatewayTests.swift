import AMQPClient
import Bitrix24
import EventGateway
import FleetRuntime
import Foundation
import PQClient
import StructuredLogging
import SyncCore
import TestSupport
import Testing

@Suite("Event gateway", .serialized)
struct GatewayTests {
    @Test("only an event with the portal's own application token is queued; every refusal is a 4xx")
    func tokenCheck() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            func body(token: String?, memberID: String? = nil, domain: String? = nil, id: Int64 = 5) -> [UInt8] {
                EventForm.body(
                    event: "ONCRMDEALUPDATE",
                    id: id,
                    ts: 1_780_000_000,
                    domain: domain ?? portal.domain,
                    memberID: memberID ?? portal.memberID,
                    applicationToken: token,
                    accessToken: "user-token"
                )
            }
            let wrongToken = String(portal.applicationToken.reversed())
            #expect(try await harness.post("/hooks/crm/deal-update", body(token: nil)) == 401)
            #expect(try await harness.post("/hooks/crm/deal-update", body(token: wrongToken)) == 403)
            #expect(try await harness.post("/hooks/crm/deal-update", body(token: "")) == 401)
            #expect(
                try await harness.post(
                    "/hooks/crm/deal-update",
                    body(token: portal.applicationToken, memberID: "nobody", domain: "nobody.test")
                ) == 403
            )
            #expect(try await harness.post("/hooks/crm/deal-update", Array("event=%ZZ&x".utf8)) == 400)
            #expect(
                try await harness.post(
                    "/hooks/crm/deal-update",
                    body(token: portal.applicationToken)
                        + [UInt8](
                            repeating: UInt8(ascii: "a"),
                            count: 20_000
                        )
                ) == 413
            )
            #expect(harness.metrics.value(.refused) == 6)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.depth("sync.pull") == 0, "a refused event was queued")

            #expect(try await harness.post("/hooks/crm/deal-update", body(token: portal.applicationToken)) == 200)
            try await harness.eventually("the accepted event reaches sync.pull") {
                try await harness.depth("sync.pull") == 1
            }
            let queued = try await harness.drain("sync.pull")
            let message = try JSONValue(parsing: queued[0].body)
            #expect(message["portal"]?.stringValue == portal.domain)
            #expect(message["id"]?.integerValue == 5)
            #expect(message["action"]?.stringValue == "update")
            #expect(queued[0].routingKey == "deal.update")
            let schema = try JSONSchemaValidator.load(
                from: TestEnvironment.schemasFolder.appendingPathComponent("b24.event.v1.schema.json")
            )
            #expect(schema.validate(bytes: queued[0].body).isEmpty, "the queued message breaks b24.event.v1")
            let security = harness.logs.lines.filter { $0.contains("security: event refused") }
            #expect(security.count == 4, "one security line per token or portal refusal")
            #expect(!harness.logs.lines.contains { $0.contains(portal.applicationToken) || $0.contains(wrongToken) })
        }
    }

    @Test("the same event delivered three times is queued once")
    func duplicates() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            let body = EventForm.body(
                event: "ONCRMDEALUPDATE",
                id: 42,
                ts: 1_780_000_100,
                domain: portal.domain,
                memberID: portal.memberID,
                applicationToken: portal.applicationToken,
                accessToken: "user-token"
            )
            for _ in 0..<3 { #expect(try await harness.post("/hooks/crm/deal-update", body) == 200) }
            try await harness.eventually("one message in sync.pull") { try await harness.depth("sync.pull") == 1 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.depth("sync.pull") == 1)
            #expect(harness.metrics.value(.duplicate) == 2)
        }
    }

    @Test("with the broker refusing, 100 events are answered 200, kept, and all reach sync.pull once it is back")
    func brokerDown() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal()
            // The broker stops taking the gateway's messages: without the exchange no publish is confirmed.
            try await harness.admin.deleteExchange("b24.events")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        // Throws unless the gateway answers 2xx.
                        try await PortalSideSimulator.deliver(
                            url: harness.gatewayURL + "/hooks/crm/deal-add",
                            formBody:
                                EventForm.body(
                                    event: "ONCRMDEALADD",
                                    id: Int64(1000 + index),
                                    ts: 1_780_000_000,
                                    domain: portal.domain,
                                    memberID: portal.memberID,
                                    applicationToken: portal.applicationToken,
                                    accessToken: "user-token"
                                )
                        )
                    }
                }
                try await group.waitForAll()
            }
            #expect(harness.metrics.value(.parked) == 100)
            let kept = try await harness.pool.query(
                "SELECT count(*) AS n FROM event_intake WHERE status = 'parked'"
            ).first?.decode(Int.self, column: "n")
            #expect(kept == 100)
            #expect(try await harness.depth("sync.pull") == 0)

            // The broker is back: the topology is declared again, the forwarder publishes what was kept.
            try await FleetSetup(plan: harness.plan, logger: harness.logger).declare(on: harness.admin)
            try await harness.eventually("all 100 events reach sync.pull") {
                try await harness.depth("sync.pull") >= 100
            }
            try await Task.sleep(for: .milliseconds(300))
            let deliveries = try await harness.drain("sync.pull")
            #expect(deliveries.count == 100)
            let ids = Set(deliveries.compactMap { try? JSONValue(parsing: $0.body)["id"]?.integerValue })
            #expect(ids == Set((0..<100).map { Int64(1000 + $0) }))
        }
    }

    @Test("install stores tokens for a registered portal only; uninstall needs the token and stops sync")
    func installAndUninstall() async throws {
        try await PortalSideHarness.run { harness in
            let portal = try await harness.makePortal(registerToken: false)
            let stranger = harness.portals.addPortal("stranger-\(UUID().uuidString.prefix(6).lowercased()).test")
            func install(_ identity: PortalSideSimulator.Identity, token: String) -> [UInt8] {
                let form: JSONObject = [
                    "event": "ONAPPINSTALL", "data": ["VERSION": "1", "ACTIVE": "Y", "INSTALLED": "Y"],
                    "ts": "1780000000",
                    "auth": [
                        "access_token": "access-0123456789", "refresh_token": "refresh-0123456789",
                        "expires_in": "3600", "domain": .string(identity.domain),
                        "client_endpoint": .string(identity.clientEndpoint), "member_id": .string(identity.memberID),
                        "application_token": .string(token),
                    ],
                ]
                return Array(Bitrix24QueryEncoding.queryString(form).utf8)
            }
            #expect(
                try await harness.post("/hooks/app/install", install(stranger, token: stranger.applicationToken)) == 403
            )
            #expect(
                try await harness.post("/hooks/app/install", install(portal, token: portal.applicationToken)) == 200
            )
            let stored = try await PortalRegistry(pool: harness.pool).find(domain: portal.domain)
            #expect(stored?.applicationToken == portal.applicationToken)
            // A later install (an app update) must carry the same token.
            #expect(try await harness.post("/hooks/app/install", install(portal, token: "forged-token-123")) == 403)
            #expect(
                try await harness.post("/hooks/app/install", install(portal, token: portal.applicationToken)) == 200
            )

            let uninstall: (String) -> [UInt8] = { token in
                Array(
                    Bitrix24QueryEncoding.queryString([
                        "event": "ONAPPUNINSTALL", "data": ["CLEAN": "0"], "ts": "1780000001",
                        "auth": [
                            "domain": .string(portal.domain), "member_id": .string(portal.memberID),
                            "application_token": .string(token),
                        ],
                    ]).utf8
                )
            }
            #expect(try await harness.post("/hooks/app/uninstall", uninstall("forged-token-123")) == 403)
            #expect(try await harness.post("/hooks/app/uninstall", uninstall(portal.applicationToken)) == 200)
            let directory = PortalDirectory(pool: harness.pool, http: harness.http)
            #expect(try await directory.connection(for: portal.domain) == nil, "an uninstalled portal is not called")
            #expect(try await directory.registration(for: portal.domain)?.enabled == true, "its queued work waits")
        }
    }
}
