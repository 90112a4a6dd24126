import Foundation
import SyncCore
import Testing

/// Parsing keeps order and number kinds; the canonical form (and so the payload hash) ignores order and spacing.
@Suite struct JSONValueTests {
    @Test func parsingKeepsOrderAndNumberKinds() throws {
        let value = try JSONValue(
            parsing: #"{"b": 1, "a": 1.0, "c": [true, null, "x\n\u00e9\ud83d\ude00"], "d": -0.5e2}"#
        )
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "c", "d"])
        #expect(object["b"] == .int(1))
        #expect(object["a"] == .double(1.0))
        #expect(object["b"] != object["a"])
        #expect(object["c"] == [true, nil, "x\né😀"])
        #expect(object["d"] == .double(-50))
        #expect(value.compactString == #"{"b":1,"a":1.0,"c":[true,null,"x\né😀"],"d":-50.0}"#)
        #expect(value.canonicalString == #"{"a":1.0,"b":1,"c":[true,null,"x\né😀"],"d":-50.0}"#)
    }

    @Test func roundTripsThroughItsOwnEncoding() throws {
        let text = #"{"z":{"y":[1,2.5,"\"quoted\"\\","\u0001"],"x":false},"big":9223372036854775807,"f":1e300}"#
        let value = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: value.compactString) == value)
        #expect(try JSONValue(parsing: value.canonicalString) == value)
        #expect(value["big"] == .int(Int64.max))
        #expect(value.compactString.contains(#""\u0001""#))
    }

    @Test func invalidDocumentsAreRejectedWithAnOffset() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "{} x", "\"\u{01}\"", "1.", "-"] {
            #expect(throws: JSONParseError.self, "\(text.debugDescription) should not parse") {
                try JSONValue(parsing: text)
            }
        }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: String(repeating: "[", count: 600)) }
    }

    @Test func payloadHashIgnoresOrderAndWhitespace() throws {
        let one = try JSONValue(parsing: #"{"title": "Pump delivery", "opportunity": 1500.0, "stageId": "NEW"}"#)
        let two = try JSONValue(parsing: #"{"stageId":"NEW","title":"Pump delivery",   "opportunity":1500.0}"#)
        #expect(PayloadHash.of(one) == PayloadHash.of(two))
        #expect(PayloadHash.of(one).count == 64)
        #expect(PayloadHash.of(one).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // The canonical text is what is hashed.
        #expect(
            PayloadHash.of(one)
                == PayloadHash.hexSHA256(Array(#"{"opportunity":1500.0,"stageId":"NEW","title":"Pump delivery"}"#.utf8))
        )
    }

    @Test func payloadHashChangesWithAnyValue() throws {
        let base = try JSONValue(
            parsing: #"{"title": "Pump delivery", "opportunity": 1500.0, "nested": {"a": [1, 2]}}"#
        )
        let variants = [
            #"{"title": "Pump delivery ", "opportunity": 1500.0, "nested": {"a": [1, 2]}}"#,
            #"{"title": "Pump delivery", "opportunity": 1500.5, "nested": {"a": [1, 2]}}"#,
            #"{"title": "Pump delivery", "opportunity": 1500, "nested": {"a": [1, 2]}}"#,
            #"{"title": "Pump delivery", "opportunity": 1500.0, "nested": {"a": [2, 1]}}"#,
            #"{"title": "Pump delivery", "opportunity": 1500.0, "nested": {"a": [1, 2]}, "extra": null}"#,
        ]
        var hashes: Set<String> = [PayloadHash.of(base)]
        for variant in variants {
            hashes.insert(PayloadHash.of(try JSONValue(parsing: variant)))
        }
        #expect(hashes.count == variants.count + 1)
    }

    @Test func knownSHA256Vector() {
        #expect(
            PayloadHash.hexSHA256(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
    }

    @Test func codableBridgeDecodesAndEncodes() throws {
        let data = Data(#"{"a":[1,"x",null,true],"b":{"c":2.5}}"#.utf8)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(decoded["a"] == [1, "x", nil, true])
        #expect(decoded["b"]?["c"] == .double(2.5))
        let reencoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(decoded))
        #expect(reencoded == decoded)
    }
}
