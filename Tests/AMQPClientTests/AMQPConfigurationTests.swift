import Testing

@testable import AMQPClient

@Suite("AMQP URL parsing")
struct AMQPConfigurationTests {
    @Test func parsesTheLocalDefault() throws {
        let configuration = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:5682/%2F")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 5682)
        #expect(configuration.user == "guest")
        #expect(configuration.password == "guest")
        #expect(configuration.virtualHost == "/")
        #expect(configuration.heartbeat == .seconds(10))
    }

    @Test func percentDecodesUserPasswordAndVirtualHost() throws {
        let configuration = try AMQPConfiguration(url: "amqp://sync%40erp:p%3Ass%2Fw@rabbit.internal/fleet%2Fprod")
        #expect(configuration.user == "sync@erp")
        #expect(configuration.password == "p:ss/w")
        #expect(configuration.host == "rabbit.internal")
        #expect(configuration.port == 5672)
        #expect(configuration.virtualHost == "fleet/prod")
    }

    @Test func defaultsWhenOnlyTheHostIsGiven() throws {
        let configuration = try AMQPConfiguration(url: "amqp://localhost")
        #expect(configuration.user == "guest")
        #expect(configuration.password == "guest")
        #expect(configuration.port == 5672)
        #expect(configuration.virtualHost == "/")
    }

    @Test func readsIPv6HostsAndQueryKeys() throws {
        let configuration = try AMQPConfiguration(url: "amqp://u:p@[::1]:5673/v?heartbeat=3&connection_timeout=1500")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5673)
        #expect(configuration.virtualHost == "v")
        #expect(configuration.heartbeat == .seconds(3))
        #expect(configuration.connectTimeout == .milliseconds(1500))
    }

    @Test(arguments: [
        "http://guest:guest@localhost/", "amqps://guest:guest@localhost/", "amqp://guest:guest@:5672/",
        "amqp://guest:guest@localhost:70000/", "amqp://guest:guest@localhost:abc/", "amqp://guest:guest@localhost/%zz",
        "amqp://localhost/?heartbeat=soon",
    ])
    func rejectsUnusableURLs(url: String) {
        #expect {
            try AMQPConfiguration(url: url)
        } throws: { error in
            (error as? AMQPError)?.code == .invalidURL
        }
    }

    @Test func redactsThePasswordInMessages() {
        #expect(AMQPConfiguration.redacted("amqp://user:secret@host/") == "amqp://user:***@host/")
        #expect(AMQPConfiguration.redacted("amqp://host/") == "amqp://host/")
    }
}
