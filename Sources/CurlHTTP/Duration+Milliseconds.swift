extension Duration {
    /// The duration in whole milliseconds for libcurl's `*_MS` options, at least 1 (libcurl reads 0 as "no limit",
    /// which must never happen by rounding) and clamped to a sane upper bound.
    var curlMilliseconds: Int {
        let (seconds, attoseconds) = components
        let maximumSeconds: Int64 = 365 * 24 * 3600
        guard seconds < maximumSeconds else { return Int(maximumSeconds) * 1000 }
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int(max(1, milliseconds))
    }
}
