import PortalSimulator
import Testing

/// The NIO event client posts a real form body over TCP; non-2xx answers and unreachable handlers throw.
@Suite struct HTTPEventDeliveryTests {
    /// Uses the simulator's own REST endpoint as the "handler": a form POST to crm.item.add creates the item.
    @Test func postsFormBodiesAndReportsFailures() async throws {
        let harness = SimulatorHarness()
        try await harness.runLive { client in
            let port = try #require(client.port)
            let delivery = HTTPEventDelivery(timeout: .seconds(2))
            let handler = "http://127.0.0.1:\(port)" + client.webhookPath + "crm.item.add"
            try await delivery.deliver(url: handler, formBody: Array("entityTypeId=2&fields%5Btitle%5D=via%20nio".utf8))
            let refused = await #expect(throws: HTTPEventDelivery.DeliveryError.self) {
                try await delivery.deliver(
                    url: "http://127.0.0.1:\(port)/portal/acme.bitrix24.ru/rest/1/bad/crm.item.add",
                    formBody: []
                )
            }
            #expect(refused?.code == .handlerStatus)
            let unsupported = await #expect(throws: HTTPEventDelivery.DeliveryError.self) {
                try await delivery.deliver(url: "https://127.0.0.1:\(port)/", formBody: [])
            }
            #expect(unsupported?.code == .unsupportedURL)
        }
        #expect(harness.portal.update { $0.items[2]?[1]?["title"] } == "via nio")
    }
}
