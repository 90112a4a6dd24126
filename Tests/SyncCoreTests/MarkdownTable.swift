import Foundation

/// Reads the tables and bullet lines of one numbered section (`## 6) …`) of a Markdown document, so tests can
/// compare the seed's text with the shipped contract cell by cell.
struct MarkdownSection {
    let lines: [String]

    init(document: String, number: Int) throws {
        let all = document.components(separatedBy: "\n")
        guard let start = all.firstIndex(where: { $0.hasPrefix("## \(number))") }) else {
            throw MarkdownSectionError(reason: "section \(number) not found")
        }
        let rest = all[(start + 1)...]
        let end = rest.firstIndex { $0.hasPrefix("## ") } ?? all.endIndex
        self.lines = Array(all[(start + 1)..<end])
    }

    /// The rows of the section's first table, header excluded, as trimmed cells.
    var tableRows: [[String]] {
        let tableLines = lines.filter { $0.hasPrefix("|") }
        guard tableLines.count > 2 else { return [] }
        return tableLines.dropFirst(2).map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    /// Bullet lines (`- …`) of the section, without the dash.
    var bullets: [String] {
        lines.filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
    }
}

struct MarkdownSectionError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Cell helpers for the seed's spelling.
enum SeedCell {
    /// "`portal + entityTypeId + originId`" → ["portal", "entityTypeId", "originId"].
    static func keyParts(_ cell: String) -> [String] {
        unquote(cell).components(separatedBy: " + ").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// "`503`, network" → ["503", "network"].
    static func list(_ cell: String) -> [String] {
        cell.components(separatedBy: ",").map { unquote($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Strips backticks.
    static func unquote(_ cell: String) -> String {
        cell.replacingOccurrences(of: "`", with: "")
    }

    /// "Yes" / "No" → Bool.
    static func yesNo(_ cell: String) -> Bool? {
        switch cell {
        case "Yes": true
        case "No": false
        default: nil
        }
    }

    /// The integers in `text`, in order ("`2s..60s + jitter`" → [2, 60]).
    static func integers(_ text: String) -> [Int] {
        text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }
}
