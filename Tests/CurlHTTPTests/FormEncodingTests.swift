import CurlHTTP
import Testing

@Suite("FormEncoding")
struct FormEncodingTests {
    @Test("bracket keys are percent-encoded like values")
    func bracketKeys() {
        let encoded = FormEncoding.encode([("fields[TITLE]", "Deal"), ("select[]", "id"), ("filter[>id]", "5")])
        #expect(encoded == "fields%5BTITLE%5D=Deal&select%5B%5D=id&filter%5B%3Eid%5D=5")
    }

    @Test("spaces become plus, and & = + are escaped so they cannot split pairs")
    func reservedCharacters() {
        #expect(FormEncoding.encode([("q", "a b&c=d+e")]) == "q=a+b%26c%3Dd%2Be")
        #expect(FormEncoding.encode([("a&b", "1"), ("c=d", "%")]) == "a%26b=1&c%3Dd=%25")
    }

    @Test("non-ASCII text is encoded as UTF-8 bytes")
    func unicode() {
        #expect(FormEncoding.encode([("name", "Сделка №1")]) == "name=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0+%E2%84%961")
        #expect(FormEncoding.escape("é😀") == "%C3%A9%F0%9F%98%80")
    }

    @Test("unreserved characters pass through unchanged")
    func unreserved() {
        #expect(FormEncoding.escape("AZaz09-._~") == "AZaz09-._~")
        #expect(FormEncoding.encode([]) == "")
        #expect(FormEncoding.encode([("empty", "")]) == "empty=")
    }

    @Test("nested values flatten into PHP bracket form in the order written")
    func flattenNested() {
        let value: FormValue = [
            "fields": ["title": "x", "opportunity": 12.5, "opened": true],
            "select": ["id", "title"],
            "filter": [">id": 5],
            "entityTypeId": 2,
        ]
        let pairs = FormEncoding.flatten(value)
        #expect(
            pairs.map(\.0) == [
                "fields[title]", "fields[opportunity]", "fields[opened]", "select[]", "select[]", "filter[>id]",
                "entityTypeId",
            ]
        )
        #expect(pairs.map(\.1) == ["x", "12.5", "1", "id", "title", "5", "2"])
        #expect(
            FormEncoding.encode(["select": ["id"], "filter": [">id": 5]])
                == "select%5B%5D=id&filter%5B%3Eid%5D=5"
        )
    }

    @Test("arrays of containers are indexed so their members stay grouped")
    func arraysOfObjects() {
        let value: FormValue = ["rows": [["a": 1, "b": 2], ["a": 3]], "matrix": [[1, 2]]]
        let pairs = FormEncoding.flatten(value)
        #expect(pairs.map(\.0) == ["rows[0][a]", "rows[0][b]", "rows[1][a]", "matrix[0][]", "matrix[0][]"])
        #expect(pairs.map(\.1) == ["1", "2", "3", "1", "2"])
    }

    @Test("null clears a field, empty containers produce nothing, false is 0")
    func edgeValues() {
        let pairs = FormEncoding.flatten(["fields": ["comment": .null, "tags": [], "done": false]])
        #expect(pairs.map(\.0) == ["fields[comment]", "fields[done]"])
        #expect(pairs.map(\.1) == ["", "0"])
    }
}
