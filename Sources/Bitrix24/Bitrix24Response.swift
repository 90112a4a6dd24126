package import SyncCore

/// A successful answer: the method's `result`, the list fields `total` and `next`, and the `time` block.
package struct Bitrix24Response: Sendable {
    package var result: JSONValue
    package var total: Int?
    package var next: Int?
    package var time: Bitrix24Timing

    package init(result: JSONValue, total: Int? = nil, next: Int? = nil, time: Bitrix24Timing = Bitrix24Timing()) {
        self.result = result
        self.total = total
        self.next = next
        self.time = time
    }
}
