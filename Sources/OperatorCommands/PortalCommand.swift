import ArgumentParser
import FleetRuntime

/// `syncctl portal add|list|show|remove|stage-fields`: the portal registry.
struct PortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "Register, list, show and remove the portals the fleet syncs.",
        subcommands: [Add.self, List.self, Show.self, Remove.self, StageFieldsCommand.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a portal (or update its registration).",
            discussion: """
                A portal is called through an inbound webhook (--webhook-url) or as an OAuth application \
                (--client-id, --client-secret, --oauth-server; its tokens arrive with the install event).
                """
        )

        @Argument(help: "The portal's domain, as ERP messages name it (acme.bitrix24.ru).")
        var domain: String

        @Option(help: "Inbound webhook base URL: https://<domain>/rest/<user>/<code>/")
        var webhookURL: String?

        @Option(help: "The portal's member_id (stable across renames).")
        var memberID: String?

        @Option(help: "The application token events must carry.")
        var applicationToken: String?

        @Option(help: "OAuth application client id.")
        var clientID: String?

        @Option(help: "OAuth application client secret.")
        var clientSecret: String?

        @Option(help: "OAuth server (https://oauth.bitrix.info).")
        var oauthServer: String?

        @Option(
            name: .customLong("entity"),
            help: "ERP entity to entityTypeId, repeatable: --entity deal=2 --entity service_ticket=1280."
        )
        var entities: [String] = []

        @Flag(help: "Allow the legacy crm.deal.* path for this portal (feature flag crm_legacy_bridge).")
        var legacyBridge = false

        @Option(help: "Request-limit plan: standard (2/s, bucket 50), enterprise (5/s, 250) or box (none).")
        var plan: String = PortalRegistration.Plan.standard.rawValue

        func validate() throws {
            if webhookURL == nil && clientID == nil {
                throw ValidationError("give --webhook-url, or --client-id with --client-secret and --oauth-server")
            }
            if clientID != nil && (clientSecret == nil || oauthServer == nil) {
                throw ValidationError("an OAuth portal needs --client-secret and --oauth-server too")
            }
            if PortalRegistration.Plan(rawValue: plan) == nil {
                throw ValidationError("--plan must be standard, enterprise or box")
            }
            _ = try entityTypes()
        }

        func entityTypes() throws -> [String: Int] {
            guard !entities.isEmpty else { return ["deal": 2, "service_ticket": 1280] }
            var types: [String: Int] = [:]
            for entry in entities {
                let parts = entry.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let id = Int(parts[1]), id > 0, !parts[0].isEmpty else {
                    throw ValidationError("--entity takes name=entityTypeId, e.g. deal=2; got '\(entry)'")
                }
                types[String(parts[0])] = id
            }
            return types
        }

        func run() async throws {
            let context = CommandContext()
            let registration = PortalRegistration(
                domain: domain,
                memberID: memberID,
                webhookURL: webhookURL,
                applicationToken: applicationToken,
                clientID: clientID,
                clientSecret: clientSecret,
                oauthServer: oauthServer,
                entityTypes: try entityTypes(),
                legacyBridge: legacyBridge,
                plan: PortalRegistration.Plan(rawValue: plan) ?? .standard
            )
            try await context.withDatabase { pool in try await PortalRegistry(pool: pool).save(registration) }
            print("portal \(domain) registered")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered portals (secrets redacted).")

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let context = CommandContext()
            let portals = try await context.withDatabase { pool in try await PortalRegistry(pool: pool).all() }
            if json { return try context.printJSON(portals.map(\.redacted)) }
            for portal in portals {
                let auth = portal.webhookURL != nil ? "webhook" : "oauth"
                let types = portal.entityTypes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                print("\(portal.domain)\t\(auth)\t\(portal.plan.rawValue)\t\(types.joined(separator: ","))")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one portal's registration (secrets redacted).")

        @Argument(help: "The portal's domain.")
        var domain: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let context = CommandContext()
            guard
                let portal = try await context.withDatabase({ pool in
                    try await PortalRegistry(pool: pool).find(domain: domain)
                })
            else {
                print("no portal \(domain) is registered")
                throw ExitCode.notFound
            }
            if json { return try context.printJSON(portal.redacted) }
            let shown = portal.redacted
            let types = shown.entityTypes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            print("domain:\t\(shown.domain)")
            print("member id:\t\(shown.memberID ?? "-")")
            print("auth:\t\(shown.webhookURL.map { "webhook \($0)" } ?? "oauth \(shown.clientID ?? "-")")")
            print("plan:\t\(shown.plan.rawValue)")
            print("entities:\t\(types.joined(separator: ", "))")
            print("crm_legacy_bridge:\t\(shown.legacyBridge ? "on" : "off")")
            print("enabled:\t\(shown.enabled ? "yes" : "no")")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a portal's registration.")

        @Argument(help: "The portal's domain.")
        var domain: String

        @Flag(help: "Also forget the portal's ledger, item map and caches (for a portal that was reset or replaced).")
        var purge = false

        func run() async throws {
            let context = CommandContext()
            let removed = try await context.withDatabase { pool in
                let registry = PortalRegistry(pool: pool)
                if purge { try await registry.purgeRecords(domain: domain) }
                return try await registry.remove(domain: domain)
            }
            guard removed else {
                print("no portal \(domain) is registered")
                throw ExitCode.notFound
            }
            print("portal \(domain) removed")
        }
    }
}
