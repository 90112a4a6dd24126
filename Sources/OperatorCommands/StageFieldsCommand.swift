import ArgumentParser
import FleetRuntime
import WritePath

/// `syncctl portal stage-fields`: the fields a portal's stages require.
///
/// `crm.item.fields` does not describe per-stage requirements, so the fleet learns them from the portal's refusals;
/// declaring them ahead refuses the first offending change too, before it reaches the portal.
struct StageFieldsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage-fields",
        abstract: "Show, or declare, the fields a portal's stages require.",
        discussion: """
            Without --stage, lists what is known (declared by an operator or learned from a \
            CRM_FIELD_ERROR_REQUIRED refusal). With --entity and --stage, sets that stage's required fields to \
            the --require values (none: the stage requires nothing). A change that enters such a stage without \
            one of them is dead-lettered before the portal call, naming the stage and the field.
            """
    )

    @Argument(help: "The portal's domain.")
    var domain: String

    @Option(help: "The entity, as the contract names it (deal, service_ticket).")
    var entity: String?

    @Option(help: "The stage id, as crm.item.fields' stageId takes it (e.g. C1:WON, DT1280_7:SUCCESS).")
    var stage: String?

    @Option(help: "A field the stage requires, as crm.item.fields names it (repeatable).")
    var require: [String] = []

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        if stage != nil, entity == nil { throw ValidationError("--stage needs --entity") }
        if !require.isEmpty, stage == nil { throw ValidationError("--require needs --entity and --stage") }
    }

    func run() async throws {
        let context = CommandContext()
        let listed = try await context.withDatabase { pool -> [StageRequirementStore.Requirement]? in
            guard let registration = try await PortalRegistry(pool: pool).find(domain: domain) else { return nil }
            let store = StageRequirementStore(pool: pool)
            if let stage, let entity {
                guard let entityTypeId = registration.entityTypes[entity] else {
                    let known = registration.entityTypes.keys.sorted().joined(separator: ", ")
                    throw ValidationError("\(domain) maps no entity '\(entity)'; it maps \(known)")
                }
                try await store.declare(portal: domain, entityTypeId: entityTypeId, stage: stage, fields: require)
            }
            return try await store.list(portal: domain)
        }
        guard let listed else {
            print("no portal \(domain) is registered")
            throw ExitCode.notFound
        }
        if json {
            return try context.printJSON(
                listed.map {
                    StageFieldRow(
                        entityTypeId: $0.entityTypeId,
                        stage: $0.stage,
                        field: $0.field,
                        source: $0.source.rawValue
                    )
                }
            )
        }
        if listed.isEmpty { print("no stage requirements known for \(domain)") }
        for requirement in listed {
            print(
                "\(requirement.entityTypeId)\t\(requirement.stage)\t\(requirement.field)\t\(requirement.source.rawValue)"
            )
        }
    }
}

/// One line of `stage-fields --json`.
private struct StageFieldRow: Encodable {
    var entityTypeId: Int
    var stage: String
    var field: String
    var source: String
}
