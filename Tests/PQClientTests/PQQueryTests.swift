import Foundation
import PQClient
import Testing

@Suite("PQQuery interpolation")
struct PQQueryTests {
    @Test func interpolatedValuesBecomeNumberedParameters() {
        let hostile = "'; DROP TABLE x; --"
        let id: Int? = nil
        let query: PQQuery = "SELECT * FROM items WHERE name = \(hostile) AND id = \(id) AND ok = \(true)"
        #expect(query.sql == "SELECT * FROM items WHERE name = $1 AND id = $2 AND ok = $3")
        #expect(query.parameters == ["'; DROP TABLE x; --", nil, "true"])
        #expect(!query.description.contains("DROP"))
    }

    @Test func identifiersAreQuotedAndUnescapedTextIsVerbatim() {
        let query: PQQuery = "SELECT 1 FROM \(identifier: "odd\"name") \(unescaped: "LIMIT 1") -- \(42)"
        #expect(query.sql == "SELECT 1 FROM \"odd\"\"name\" LIMIT 1 -- $1")
        #expect(query.parameters == ["42"])
    }

    @Test func explicitParameterListsAreEncoded() {
        let query = PQQuery("INSERT INTO t VALUES ($1, $2, $3)", ["a", 2, nil as Bool?])
        #expect(query.sql == "INSERT INTO t VALUES ($1, $2, $3)")
        #expect(query.parameters == ["a", "2", nil])
    }

    @Test func plainLiteralsHaveNoParameters() {
        let query: PQQuery = "SELECT 1"
        #expect(query.sql == "SELECT 1")
        #expect(query.parameters.isEmpty)
    }
}
