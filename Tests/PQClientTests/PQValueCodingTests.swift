import Foundation
import Testing

@testable import PQClient

@Suite("Value encoding and decoding in PostgreSQL text format")
struct PQValueCodingTests {
    @Test func encodesScalarsInPostgresInputSyntax() {
        #expect("O'Reilly".pqText == "O'Reilly")
        #expect(42.pqText == "42")
        #expect(Int32.min.pqText == "-2147483648")
        #expect(Int64.max.pqText == "9223372036854775807")
        #expect(true.pqText == "true")
        #expect(false.pqText == "false")
        #expect(2.5.pqText == "2.5")
        #expect(Double.infinity.pqText == "Infinity")
        #expect((-Double.infinity).pqText == "-Infinity")
        #expect(Double.nan.pqText == "NaN")
        #expect((nil as Int?).pqText == nil)
        #expect((7 as Int?).pqText == "7")
        #expect(
            UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!.pqText == "e621e1f8-c36c-495a-93fc-0c247a3e6e5f"
        )
        #expect([UInt8]([0x00, 0x0A, 0xFF]).pqText == "\\x000aff")
        #expect(Data([0xDE, 0xAD]).pqText == "\\xdead")
        #expect(PQJSON(text: "{\"a\":1}").pqText == "{\"a\":1}")
    }

    @Test func encodesDatesAsUTCISO8601WithMicroseconds() {
        #expect(Date(timeIntervalSince1970: 0).pqText == "1970-01-01T00:00:00.000000Z")
        #expect(Date(timeIntervalSince1970: 1_714_566_600.5).pqText == "2024-05-01T12:30:00.500000Z")
        #expect(Date(timeIntervalSince1970: -1.5).pqText == "1969-12-31T23:59:58.500000Z")
        #expect(Date(timeIntervalSince1970: 951_782_400).pqText == "2000-02-29T00:00:00.000000Z")
    }

    @Test(arguments: [
        ("2024-05-01 12:30:00+00", 1_714_566_600.0),
        ("2024-05-01 15:30:00+03", 1_714_566_600.0),
        ("2024-05-01 15:30:00+03:00", 1_714_566_600.0),
        ("2024-05-01 18:00:00+05:30", 1_714_566_600.0),
        ("2024-05-01 07:30:00-05", 1_714_566_600.0),
        ("2024-05-01T12:30:00Z", 1_714_566_600.0),
        ("2024-05-01T12:30:00.123456Z", 1_714_566_600.123456),
        ("2024-05-01 12:30:00.5+00", 1_714_566_600.5),
        ("2024-05-01 12:30:00", 1_714_566_600.0),
        ("1969-12-31 23:59:58.5+00", -1.5),
        ("1900-01-01 00:00:00+00:00:00", -2_208_988_800.0),
    ])
    func parsesTimestamptzOutput(text: String, expected: Double) throws {
        let date = try #require(Date(pqText: text))
        #expect(abs(date.timeIntervalSince1970 - expected) < 0.000_001)
    }

    @Test func mapsInfiniteTimestamps() {
        #expect(Date(pqText: "infinity") == .distantFuture)
        #expect(Date(pqText: "-infinity") == .distantPast)
    }

    @Test(arguments: [
        "", "2024-05-01", "2024-13-01 00:00:00+00", "2024-05-01 12:30:00+3", "yesterday", "0044-03-15 12:00:00 BC",
    ])
    func rejectsMalformedTimestamps(text: String) {
        #expect(Date(pqText: text) == nil)
    }

    @Test func roundTripsDatesThroughText() throws {
        let original = Date(timeIntervalSince1970: 1_700_000_000.654321)
        let text = try #require(original.pqText)
        let decoded = try #require(Date(pqText: text))
        #expect(abs(decoded.timeIntervalSince1970 - original.timeIntervalSince1970) < 0.000_001)
    }

    @Test func decodesServerOutputForScalars() {
        #expect(Bool(pqText: "t") == true)
        #expect(Bool(pqText: "f") == false)
        #expect(Bool(pqText: "yes") == nil)
        #expect(Int(pqText: "-12") == -12)
        #expect(Int(pqText: "12.5") == nil)
        #expect(Int32(pqText: "2147483648") == nil)
        #expect(Double(pqText: "Infinity") == .infinity)
        #expect(Double(pqText: "NaN")?.isNaN == true)
        #expect(Double(pqText: "1e-7") == 1e-7)
        #expect(
            UUID(pqText: "e621e1f8-c36c-495a-93fc-0c247a3e6e5f")
                == UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")
        )
        #expect([UInt8](pqText: "\\x000aFF") == [0x00, 0x0A, 0xFF])
        #expect(Data(pqText: "\\x") == Data())
        #expect([UInt8](pqText: "\\x0") == nil)
        #expect([UInt8](pqText: "\\xzz") == nil)
        #expect([UInt8](pqText: "abc") == nil)
    }

    @Test func nullDecodesOnlyIntoOptionals() throws {
        let rows = PQRows(columns: ["id", "name"], values: ["1", nil], affectedRows: 1)
        let row = try #require(rows.first)
        #expect(try row.decode(String?.self, column: "name") == nil)
        #expect(try row.decode(Int?.self, column: "id") == 1)
        let error = #expect(throws: PQError.self) { try row.decode(String.self, column: "name") }
        #expect(error?.code == .decodingFailed)
        #expect(error?.column == "name")
        #expect(error?.typeName == "String")
    }

    @Test func decodingErrorsNameTheColumnAndTheType() throws {
        let rows = PQRows(columns: ["id", "created"], values: ["abc", "2024-05-01 12:00:00+00"], affectedRows: 1)
        let row = try #require(rows.first)
        let wrongText = #expect(throws: PQError.self) { try row.decode(Int.self, column: "id") }
        #expect(wrongText?.code == .decodingFailed)
        #expect(wrongText?.column == "id")
        #expect(wrongText?.typeName == "Int")
        #expect(wrongText.map { "\($0)".contains("column: id") && "\($0)".contains("type: Int") } == true)

        let missing = #expect(throws: PQError.self) { try row.decode(Date.self, column: "updated") }
        #expect(missing?.column == "updated")
        #expect(missing?.typeName == "Date")
        #expect(try row.decode(Date.self, at: 1) == Date(timeIntervalSince1970: 1_714_564_800))
    }

    @Test func rowsSplitValuesRowMajor() throws {
        let rows = PQRows(columns: ["a", "b"], values: ["1", "2", "3", nil], affectedRows: 2)
        #expect(rows.count == 2)
        #expect(try rows[1].decode(Int.self, column: "a") == 3)
        #expect(try rows[1].decode(Int?.self, at: 1) == nil)
        #expect(PQRows(columns: [], values: [], affectedRows: 5).isEmpty)
    }

    @Test func jsonWrapperConvertsCodableValues() throws {
        struct Payload: Codable, Equatable {
            var name: String
            var count: Int
        }
        let json = try PQJSON(encoding: Payload(name: "deal", count: 2))
        #expect(json.text == "{\"count\":2,\"name\":\"deal\"}")
        #expect(try json.decode(Payload.self) == Payload(name: "deal", count: 2))
    }

    @Test func sha256MatchesTheStandardTestVectors() {
        #expect(SHA256Digest.hexDigest(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256Digest.hexDigest(of: Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        #expect(
            SHA256Digest.hexDigest(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        )
    }
}
