import PortalSimulator
import Testing

/// How a `filter` parameter is read, whichever encoding carried it.
@Suite struct ItemFilterTests {
    private let deals = EntityTypeSchema.deals()

    /// A `batch` command carries its filter form-encoded, so `@originId` arrives as an object keyed 0, 1, …: it is
    /// still a list, answered by the look-up index rather than by a scan of every item.
    @Test func formEncodedListPinsTheLookUpIndex() throws {
        let query = FormParameters.decode("filter%5B%40originId%5D%5B0%5D=SO-1&filter%5B%40originId%5D%5B1%5D=SO-2")
        let filter = try ItemFilter.parse(query["filter"]) { deals.field(anyName: $0) }
        let pinned = try #require(filter.pinnedTexts())
        #expect(pinned.field == "originId")
        #expect(pinned.texts == ["SO-1", "SO-2"])
        #expect(filter.matches(["originId": "SO-2"], dates: PortalDateFormat(utcOffsetSeconds: 0)))
        #expect(!filter.matches(["originId": "SO-3"], dates: PortalDateFormat(utcOffsetSeconds: 0)))
    }

    /// An object with other keys is a set of conditions, never a list of values.
    @Test func objectWithNamedKeysIsNoList() {
        #expect(JSONValue.object([JSONMember(key: "0", value: "a"), JSONMember(key: "1", value: "b")]).isList)
        #expect(!JSONValue.object([JSONMember(key: "1", value: "a")]).isList)
        #expect(!JSONValue.object([JSONMember(key: "title", value: "a")]).isList)
    }
}
