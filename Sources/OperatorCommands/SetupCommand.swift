import ArgumentParser
import FleetRuntime

/// `syncctl setup`: migrations and RabbitMQ topology, idempotent.
struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Apply the SQL migrations and declare the RabbitMQ topology (idempotent, safe to run concurrently)."
    )

    @Flag(help: "Print the outcome as JSON.")
    var json = false

    func run() async throws {
        let context = CommandContext()
        let plan = try TopologyPlan(
            definition: try context.environment.topology(),
            contract: try context.environment.contract()
        )
        let migrations = try context.environment.migrationsDirectory()
        let report = try await context.withDatabase { pool in
            try await context.withBroker { broker in
                try await FleetSetup(plan: plan, logger: context.logger).run(
                    pool: pool,
                    migrations: migrations,
                    broker: broker
                )
            }
        }
        if json {
            try context.printJSON(report)
        } else {
            let applied = report.appliedMigrations.isEmpty ? "none" : report.appliedMigrations.joined(separator: ", ")
            print("migrations applied: \(applied)")
            print("topology: \(report.exchanges) exchanges, \(report.queues) queues, \(report.bindings) bindings")
        }
    }
}
