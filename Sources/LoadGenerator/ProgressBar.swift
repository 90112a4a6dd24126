import Foundation

/// A one-line progress bar on standard error, redrawn in place.
enum ProgressBar {
    static func draw(done: Int, total: Int, retries: Int) {
        let width = 40
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r[\(bar)] \(done)/\(total) settled, \(retries) retries  "
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
