/// Compares secrets without leaking, through the time it takes, how many leading bytes matched.
package enum ConstantTimeComparison {
    /// Whether `given` equals `expected`; the time depends only on the lengths, never on the contents.
    package static func equals(_ given: String, _ expected: String) -> Bool {
        let lhs = Array(given.utf8)
        let rhs = Array(expected.utf8)
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        let length = max(lhs.count, rhs.count)
        for index in 0..<length {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0 && !rhs.isEmpty
    }
}
