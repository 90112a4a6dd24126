/// What libcurl's callbacks collect during one transfer; reached from C through an unretained pointer.
///
/// Not Sendable: it is created, filled and read on the one pool thread that runs the transfer.
final class TransferState {
    let cancellation: TransferCancellation
    let maxBodyBytes: Int
    var body: [UInt8] = []
    var headers = HTTPHeaders()
    /// Set when the write callback refused data because the body grew past ``maxBodyBytes``.
    var bodyTooLarge = false

    init(cancellation: TransferCancellation, maxBodyBytes: Int) {
        self.cancellation = cancellation
        self.maxBodyBytes = maxBodyBytes
    }

    /// Appends body bytes; returns false once the limit is exceeded so the transfer is aborted.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard body.count + bytes.count <= maxBodyBytes else {
            bodyTooLarge = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Records one raw header line. A status line starts a new header block, so only the final response's headers
    /// survive interim `100 Continue` answers (and followed redirects).
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Trim line endings as bytes: as a Character, "\r\n" is one grapheme that equals neither "\r" nor "\n".
        var end = bytes.count
        while end > 0, bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        let line = Substring(String(decoding: bytes[..<end], as: UTF8.self))
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: " \t")
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t")
        guard !name.isEmpty else { return }
        headers.add(name: name, value: value)
    }
}

extension Substring {
    /// Trims leading and trailing characters in `set`, without Foundation.
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
