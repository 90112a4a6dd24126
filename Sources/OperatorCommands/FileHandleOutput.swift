import Foundation

/// Writes lines to standard error, where messages for people go while standard output stays data.
enum FileHandleOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
