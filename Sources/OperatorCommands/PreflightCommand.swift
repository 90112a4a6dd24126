import ArgumentParser
import CurlHTTP
import FleetRuntime
import PQClient
import SyncCore
import WritePath

/// `syncctl preflight <portal>`: seed §3's runtime checks against a registered portal.
struct PreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Check a portal's scope and methods (seed §3) live and print the matrix with the fallbacks in force.",
        discussion: """
            Calls `scope` and `method.get` for every method of the contract's capability matrix (and their crm.deal.* \
            twins for a crm_legacy_bridge portal), through the fleet's shared request budget.
            Exit codes: 0 PASS (fallbacks may be in force); 6 FAIL (a required scope or method is missing, sync would \
            stop or hold writes); 3 the portal is not registered.
            """
    )

    @Argument(help: "The portal's domain, as registered with `syncctl portal add`.")
    var portal: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await reportingOperatorErrors {
            let context = CommandContext()
            let contract = try context.environment.contract()
            let http = CurlHTTPClient(logger: context.logger)
            defer { http.shutdown() }
            let report = try await context.withDatabase { pool in
                guard let connection = try await PortalDirectory(pool: pool, http: http).connection(for: portal) else {
                    throw OperatorCommandError(
                        .notFound,
                        "portal \(portal) is not registered (or has no usable credentials yet); see `syncctl portal list`"
                    )
                }
                let cache = CapabilityCache(
                    matrix: contract.capabilities,
                    budget: PortalRequestBudget(pool: pool),
                    logger: context.logger
                )
                let capabilities = try await cache.capabilities(of: connection)
                let age = try await pool.query(
                    """
                    SELECT extract(epoch FROM now() - max(fetched_at))::float8 AS age FROM field_schema_cache
                    WHERE portal = \(portal)
                    """
                ).first?.decode(Double?.self, column: "age")
                return PreflightReport(
                    portal: portal,
                    contract: contract,
                    capabilities: capabilities,
                    schemaCacheAgeSeconds: age
                )
            }
            if json { try context.printJSON(report) } else { print(report.markdown) }
            if report.verdict != "PASS" { throw ExitCode.checkFailed }
        }
    }
}
