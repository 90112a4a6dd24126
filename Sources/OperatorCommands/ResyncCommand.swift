import AMQPClient
import ArgumentParser
import CurlHTTP
import FleetRuntime
import PullPath

/// `syncctl resync <portal> [--entity deal]`: queues every item of the portal's entity types for pull, walking
/// them once with the fast id-ordered paging, and prints the count per entity.
struct ResyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync",
        abstract: "Queue every item of a portal for pull and report how many there were.",
        discussion: "Items go to b24.events (sync.pull); the pull worker publishes what changed to b24.changes."
    )

    @Argument(help: "The portal's domain.")
    var portal: String

    @Option(name: .customLong("entity"), help: "An ERP entity to walk (repeatable); all the portal maps when omitted.")
    var entities: [String] = []

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let context = CommandContext()
        let http = CurlHTTPClient(logger: context.logger)
        defer { http.shutdown() }
        let counts = try await context.withDatabase { pool in
            guard let connection = try await PortalDirectory(pool: pool, http: http).connection(for: portal) else {
                print("no callable portal \(portal) is registered (see syncctl portal list)")
                throw ExitCode.notFound
            }
            let publisher = try await AMQPPublisher.connect(
                configuration: try context.environment.amqpConfiguration(),
                logger: context.logger
            )
            do {
                let counts = try await PortalResync(
                    events: PortalEventPublisher(publisher: publisher),
                    budget: PortalRequestBudget(pool: pool)
                ).run(connection, entities: entities)
                await publisher.close()
                return counts
            } catch {
                await publisher.close()
                throw error
            }
        }
        if json {
            try context.printJSON(counts)
        } else {
            for (entity, count) in counts.sorted(by: { $0.key < $1.key }) {
                print("\(entity): \(count) items queued for pull")
            }
            print("total: \(counts.values.reduce(0, +))")
        }
    }
}
