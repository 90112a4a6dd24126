import EventGateway
import Foundation
import PullPath
import SyncCore
import TestSupport
import Testing

@Suite("Portal side, no services")
struct PortalSideUnitTests {
    @Test("a form body parses with percent-encoded and with raw brackets, + as space, and refuses broken escapes")
    func formBody() throws {
        let encoded = FormBody(
            bytes: Array("event=ONCRMDEALUPDATE&data%5BFIELDS%5D%5BID%5D=759&auth%5Bdomain%5D=a+b".utf8)
        )
        #expect(encoded?["data[FIELDS][ID]"] == "759")
        #expect(encoded?["auth[domain]"] == "a b")
        let raw = FormBody(bytes: Array("data[FIELDS][ID]=760&ts=1736405807".utf8))
        #expect(raw?["data[FIELDS][ID]"] == "760")
        #expect(raw?["ts"] == "1736405807")
        #expect(FormBody(bytes: Array("a=%Z1".utf8)) == nil)
        #expect(FormBody(bytes: Array("a=%4".utf8)) == nil)
        #expect(FormBody(bytes: Array("=x".utf8)) == nil)
    }

    @Test("the documented event fixture (bitrix24-rest.md §8.3) reads as an update of deal 759")
    func documentedFixture() throws {
        let fixture =
            "event=ONCRMDEALUPDATE&event_handler_id=201&data%5BFIELDS%5D%5BID%5D=759&ts=1736405807&auth%5Baccess_token%5D=s6p6eclrvim6da22ft9ch94ekreb52lv&auth%5Bexpires_in%5D=3600&auth%5Bscope%5D=crm&auth%5Bdomain%5D=some-domain.bitrix24.com&auth%5Bserver_endpoint%5D=https%3A%2F%2Foauth.bitrix.info%2Frest%2F&auth%5Bstatus%5D=F&auth%5Bclient_endpoint%5D=https%3A%2F%2Fsome-domain.bitrix24.com%2Frest%2F&auth%5Bmember_id%5D=a223c6b3710f85df22e9377d6c4f7553&auth%5Bapplication_token%5D=51856fefc120afa4b628cc82d3935cce"
        let form = try #require(FormBody(bytes: Array(fixture.utf8)))
        #expect(form["auth[application_token]"] == "51856fefc120afa4b628cc82d3935cce")
        #expect(form["auth[client_endpoint]"] == "https://some-domain.bitrix24.com/rest/")
        let event = try #require(form["event"])
        let name = try #require(CRMEventName(event))
        #expect(name == CRMEventName("ONCRMDEALUPDATE"))
        #expect(name.action == .update && name.entityTypeId == 2)
    }

    @Test("event names map to actions and entity types")
    func eventNames() {
        #expect(CRMEventName("ONCRMDEALADD")?.action == .add)
        #expect(CRMEventName("onCrmDealDelete")?.action == .delete)
        #expect(CRMEventName("ONCRMDYNAMICITEMUPDATE")?.entityTypeId == nil)
        #expect(CRMEventName("ONCRMDYNAMICITEMUPDATE_1280")?.entityTypeId == 1280)
        #expect(CRMEventName("ONAPPINSTALL") == nil)
        #expect(CRMEventName("ONCRMDYNAMICITEMADD_X") == nil)
    }

    @Test("token comparison: equal only when equal, and an empty stored token never matches")
    func constantTime() {
        #expect(ConstantTimeComparison.equals("51856fefc120", "51856fefc120"))
        #expect(!ConstantTimeComparison.equals("51856fefc121", "51856fefc120"))
        #expect(!ConstantTimeComparison.equals("51856fefc12", "51856fefc120"))
        #expect(!ConstantTimeComparison.equals("51856fefc1200", "51856fefc120"))
        #expect(!ConstantTimeComparison.equals("", ""))
    }

    @Test("event keys follow the contract: add by id, update by id and ts, delete once")
    func eventKeys() throws {
        let contract = try IntegrationContract.load(
            from: TestEnvironment.schemasFolder.appendingPathComponent("contract.json")
        )
        func key(_ action: PortalEventMessage.Action, ts: Int64, type: Int = 2) throws -> String {
            try EventIntake.key(
                for: PortalEventMessage(
                    portal: "acme.bitrix24.ru",
                    event: "E",
                    source: .gateway,
                    action: action,
                    entityTypeId: type,
                    id: 759,
                    ts: ts
                ),
                contract: contract
            ).rawValue
        }
        #expect(try key(.add, ts: 1) == key(.add, ts: 2), "an add is keyed without its time")
        #expect(try key(.update, ts: 1) != key(.update, ts: 2))
        #expect(try key(.update, ts: 1) == "event:acme.bitrix24.ru|759|1")
        #expect(try key(.update, ts: 1, type: 1280) == "event:acme.bitrix24.ru|1280/759|1")
        #expect(try key(.delete, ts: 1) == key(.delete, ts: 9))
    }

    @Test("a b24.event.v1 message survives encoding")
    func messageRoundTrip() {
        let message = PortalEventMessage(
            portal: "acme.bitrix24.ru",
            event: "ONCRMDEALUPDATE",
            source: .gateway,
            action: .update,
            entityTypeId: 2,
            id: 759,
            ts: 1_736_405_807,
            updatedTime: "2026-02-24T10:15:03+03:00",
            byAutomation: true
        )
        #expect(PortalEventMessage(bytes: message.jsonValue.compactBytes) == message)
        #expect(PortalEventMessage(bytes: Array("{\"schema\":\"erp.change.v1\"}".utf8)) == nil)
    }

    @Test("echo rules: own write, robot follow-up, the write's own late event, already seen, and a real change")
    func echoRules() {
        let write = EchoClassifier.WriteSnapshot(updatedAt: 1000, erpFields: ["title": "Pump"])
        func verdict(
            _ updated: Double,
            ts: Int64? = nil,
            automation: Bool = false,
            write: EchoClassifier.WriteSnapshot? = write,
            mirror: EchoClassifier.MirrorSnapshot? = nil
        ) -> EchoClassifier.Verdict {
            EchoClassifier.classify(
                itemUpdatedAt: updated,
                eventTs: ts,
                byAutomation: automation,
                write: write,
                mirror: mirror
            )
        }
        #expect(verdict(1000, ts: 1000) == .ownWrite)
        #expect(verdict(1001, ts: 1000, automation: true) == .robotFollowUp)
        #expect(verdict(1001, ts: 1000) == .eventOfOwnWrite)
        #expect(verdict(1002, ts: 1002) == .portalChange)
        #expect(verdict(1002, ts: 1002, write: nil) == .portalChange)
        #expect(verdict(1001, mirror: .init(updatedAt: 1001, author: .erp)) == .alreadySeen)
        // A robot reacting to a person's change is news; reacting to the fleet's write is not.
        #expect(
            verdict(1003, ts: 1003, automation: true, mirror: .init(updatedAt: 1002, author: .portal)) == .portalChange
        )
        #expect(
            verdict(1003, ts: 1003, automation: true, mirror: .init(updatedAt: 1001, author: .erp)) == .robotFollowUp
        )
    }

    @Test("drift lists ERP-owned fields that differ, numbers compared by value")
    func drift() {
        let item: JSONValue = ["title": "Pump (edited)", "opportunity": "1500.00", "stageId": "WON", "other": "x"]
        let erp: JSONObject = ["title": "Pump", "opportunity": 1500.0, "stageId": "WON"]
        #expect(EchoClassifier.drift(item: item, erpFields: erp) == ["title"])
        #expect(EchoClassifier.drift(item: ["comments": .null], erpFields: ["comments": ""]) == [])
    }
}
