/// Seed §7's verification checklist for one portal, each row filled from live evidence.
package struct VerificationReport: Sendable, Codable, Equatable {
    package struct Check: Sendable, Codable, Equatable {
        package var check: String
        /// `PASS`, `FAIL` or `N-A`.
        package var status: String
        package var evidence: String
        package var risk: String
        package var fix: String

        package init(check: String, status: String, evidence: String, risk: String, fix: String) {
            self.check = check
            self.status = status
            self.evidence = evidence
            self.risk = risk
            self.fix = fix
        }
    }

    package var portal: String
    package var generatedAt: String
    package var checks: [Check]

    package init(portal: String, generatedAt: String, checks: [Check]) {
        self.portal = portal
        self.generatedAt = generatedAt
        self.checks = checks
    }

    /// The checklist as seed §7 lays it out; `|` in evidence is escaped so the table stays a table.
    package var markdown: String {
        var lines = [
            "# Verification checklist: \(portal)", "", "Generated \(generatedAt) from the fleet's live records.", "",
            "| Check | Status (`PASS/FAIL/N-A`) | Evidence | Risk | Fix |", "|---|---|---|---|---|",
        ]
        for check in checks {
            let cells = [check.check, check.status, check.evidence, check.risk, check.fix].map(Self.cell)
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    private static func cell(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "|": escaped += "\\|"
            case "\n": escaped += " "
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
