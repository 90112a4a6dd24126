import Testing

@testable import PQClient

@Suite("PQConfiguration URL parsing")
struct PQConfigurationTests {
    @Test func parsesEveryPartOfAFullURL() throws {
        let configuration = try PQConfiguration(
            url:
                "postgres://sync%40user:p%40ss%3Aw%2Frd@db.internal:6543/sync%20fleet?sslmode=require&connect_timeout=3"
        )
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.user == "sync@user")
        #expect(configuration.password == "p@ss:w/rd")
        #expect(configuration.database == "sync fleet")
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(configuration.options == ["sslmode": "require"])
    }

    @Test func acceptsPostgresqlSchemeAndAppliesDefaults() throws {
        let configuration = try PQConfiguration(url: "postgresql://postgres@127.0.0.1/syncfleet")
        #expect(configuration.port == 5432)
        #expect(configuration.user == "postgres")
        #expect(configuration.password == nil)
        #expect(configuration.connectTimeoutSeconds == 10)
        #expect(configuration.options.isEmpty)
    }

    @Test func alwaysPassesAConnectTimeoutToLibpq() throws {
        let configuration = try PQConfiguration(url: "postgres://u:secret@localhost:5442/db?application_name=test")
        let parameters = Dictionary(uniqueKeysWithValues: configuration.connectionParameters.map { ($0, $1) })
        #expect(parameters["connect_timeout"] == "10")
        #expect(parameters["host"] == "localhost")
        #expect(parameters["port"] == "5442")
        #expect(parameters["user"] == "u")
        #expect(parameters["password"] == "secret")
        #expect(parameters["dbname"] == "db")
        #expect(parameters["application_name"] == "test")
    }

    @Test func parsesBracketedIPv6Hosts() throws {
        let configuration = try PQConfiguration(url: "postgres://postgres@[::1]:5442/db")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 5442)
    }

    @Test(arguments: [
        "mysql://root@localhost/db",
        "postgres:///db",
        "not a url at all",
        "postgres://u@localhost/db?connect_timeout=soon",
    ])
    func rejectsInvalidURLs(url: String) {
        let error = #expect(throws: PQError.self) { try PQConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
    }

    @Test func neverShowsThePasswordInErrorsOrDescriptions() throws {
        let error = #expect(throws: PQError.self) {
            try PQConfiguration(url: "mysql://user:hunter2@localhost/db")
        }
        #expect(error.map { !"\($0)".contains("hunter2") } == true)

        let configuration = try PQConfiguration(url: "postgres://user:hunter2@localhost:5442/db?password=hunter2")
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description.contains("user:***@localhost:5442/db"))
    }
}
