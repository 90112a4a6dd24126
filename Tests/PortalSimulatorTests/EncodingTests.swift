import PortalSimulator
import Testing

/// Parameter decoding, JSON and dates: the pieces every request goes through.
@Suite struct EncodingTests {
    /// PHP bracket nesting (`settings/how-to-call-rest-api/data-encoding.md`).
    @Test func formParametersNestLikePHP() {
        let decoded = FormParameters.decode(
            "fields%5Btitle%5D=A%26B&select[]=id&select[]=title&filter[>id]=5&order[id]=ASC&x=a+b"
        )
        #expect(decoded.at("fields", "title") == "A&B")
        #expect(decoded["select"]?.elements == ["id", "title"])
        #expect(decoded.at("filter", ">id") == "5")
        #expect(decoded.at("order", "id") == "ASC")
        #expect(decoded["x"] == "a b")
        let encoded = FormParameters.encode(["data": ["FIELDS": ["ID": "7"]], "ts": "1"])
        #expect(encoded == "data%5BFIELDS%5D%5BID%5D=7&ts=1")
    }

    @Test func jsonRoundTripKeepsOrderAndTypes() throws {
        let text = #"{"b":1,"a":[1.5,"x\/y",true,null],"c":{"u":"\u00e9"}}"#
        let value = try JSONParser.parse(text)
        #expect(value.keys == ["b", "a", "c"])
        #expect(value["b"] == .int(1))
        #expect(value.at("a", 0) == .double(1.5))
        #expect(value.at("c", "u") == "é")
        #expect(try JSONParser.parse(value.serialized) == value)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse("{") }
    }

    @Test func datesUseThePortalOffset() {
        let format = PortalDateFormat(utcOffsetSeconds: 3 * 3600)
        #expect(format.string(fromUnix: 1_771_917_303) == "2026-02-24T10:15:03+03:00")
        #expect(format.unixSeconds(from: "2026-02-24T10:15:03+03:00") == 1_771_917_303)
        #expect(format.unixSeconds(from: "2026-02-24T07:15:03Z") == 1_771_917_303)
        #expect(format.unixSeconds(from: "2026-02-24 10:15:03") == 1_771_917_303)
        #expect(PortalDateFormat(utcOffsetSeconds: -5 * 3600).string(fromUnix: 0) == "1969-12-31T19:00:00-05:00")
    }

    /// The leaky bucket alone: 50 at once, then one more every 0.5 s.
    @Test func leakyBucketDrains() {
        var limiter = RequestRateLimiter(limits: .standard)
        var burst: [Bool] = []
        for _ in 0..<50 { burst.append(limiter.admit(at: 100)) }
        #expect(burst.allSatisfy { $0 })
        let later = [100, 100.4, 100.5, 100.6].map { limiter.admit(at: $0) }
        #expect(later == [false, false, true, false])
    }
}
