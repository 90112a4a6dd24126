import ArgumentParser
import FleetRuntime

/// `syncctl report <portal>`: seed §7's verification checklist from live evidence, as Markdown.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render seed §7's verification checklist for a portal from live evidence (Markdown).",
        discussion: """
            Evidence: the field-schema cache and its age, the last resync's paging (when the pull path recorded one), \
            stage-required refusals in the ledger, the crm_legacy_bridge flag, robot echoes seen and suppressed. \
            Exit code 3 when the portal is not registered.
            """
    )

    @Argument(help: "The portal's domain.")
    var portal: String

    @Flag(help: "Print JSON instead of Markdown.")
    var json = false

    func run() async throws {
        try await reportingOperatorErrors {
            let context = CommandContext()
            let report = try await context.withDatabase { pool in
                guard let registration = try await PortalRegistry(pool: pool).find(domain: portal) else {
                    throw OperatorCommandError(
                        .notFound,
                        "portal \(portal) is not registered; see `syncctl portal list`"
                    )
                }
                return try await VerificationEvidence(pool: pool).report(portal: registration)
            }
            if json { try context.printJSON(report) } else { print(report.markdown) }
        }
    }
}
