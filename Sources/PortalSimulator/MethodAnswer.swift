/// A method's payload plus the list keys the envelope lifts to the top level.
package struct MethodAnswer: Sendable {
    package var result: JSONValue
    package var total: Int?
    package var next: Int?

    package init(_ result: JSONValue, total: Int? = nil, next: Int? = nil) {
        self.result = result
        self.total = total
        self.next = next
    }
}
