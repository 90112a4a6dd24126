import AMQPClient
import ArgumentParser
import CurlHTTP
import FleetRuntime
import Foundation
import SyncCore

/// `syncctl status`: queues, per-operation counts, the write error rate, and whether the fleet is paused or tripped.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the fleet: queue depths, consumers and rates; processed, retried and dead counts; the write "
            + "error rate over the rollback window; paused or tripped, and why.",
        discussion: """
            Queues come from the RabbitMQ management API at RABBITMQ_MANAGEMENT_URL \
            (default \(FleetStatusReader.defaultManagementURL)) for the virtual host of AMQP_URL; the rest from \
            PostgreSQL. Exit codes: 0 shown; 1 PostgreSQL could not be read; with --check also 7 paused, 8 tripped \
            (for monitoring scripts).
            """
    )

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Flag(help: "Exit 7 when the fleet is paused and 8 when the rollback trigger tripped it.")
    var check = false

    func run() async throws {
        let context = CommandContext()
        let environment = context.environment
        let contract = try environment.contract()
        let virtualHost = try environment.amqpConfiguration().virtualHost
        let managementURL =
            environment.variables["RABBITMQ_MANAGEMENT_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FleetStatusReader.defaultManagementURL
        let http = CurlHTTPClient(logger: context.logger)
        defer { http.shutdown() }
        let status = try await context.withDatabase { pool in
            try await FleetStatusReader(
                pool: pool,
                http: http,
                managementURL: managementURL,
                virtualHost: virtualHost,
                rollback: contract.rollback
            )
            .read()
        }
        if json {
            try context.printJSON(status)
        } else {
            print(Self.render(status))
        }
        if check, status.control.tripped { throw ExitCode.fleetTripped }
        if check, status.control.paused { throw ExitCode.fleetPaused }
    }

    /// The report as an operator reads it.
    static func render(_ status: FleetStatus) -> String {
        var lines: [String] = []
        let control = status.control
        lines.append("fleet: \(control.summary)")
        if control.paused {
            lines.append("  paused by \(control.pausedBy ?? "?") at \(Self.time(control.pausedAt))")
        }
        if control.tripped {
            lines.append("  tripped at \(Self.time(control.trippedAt)); `syncctl resume` clears it")
        }
        let errors = status.writeErrors
        let windowStart = status.generatedAt.addingTimeInterval(-Double(errors.window.windowSeconds))
        let sinceResume =
            control.resumedAt.map { $0 > windowStart ? " (counted since the resume at \(Self.time($0)))" : "" } ?? ""
        lines.append(
            "write errors over \(RollbackWindow.span(seconds: errors.window.windowSeconds))\(sinceResume): "
                + "\(RollbackWindow.percent(errors.errorRate)) (\(errors.window.failed)/\(errors.window.total)); "
                + "trips above \(RollbackWindow.percent(errors.threshold)) with at least \(errors.minimumWrites) writes"
        )
        lines.append("")
        lines.append(Self.row(["queue", "messages", "ready", "unacked", "consumers", "in/s", "out/s", "ack/s"]))
        if let reason = status.queuesUnavailable {
            lines.append("  (queues unavailable: \(reason))")
        }
        for queue in Self.collapsingRetryQueues(status.queues) {
            lines.append(
                Self.row([
                    queue.name, "\(queue.messages)", "\(queue.ready)", "\(queue.unacknowledged)", "\(queue.consumers)",
                    Self.rate(queue.publishRate), Self.rate(queue.deliverRate), Self.rate(queue.ackRate),
                ])
            )
        }
        lines.append("")
        lines.append(Self.row(["operation", "processed", "retried", "dead", "pending", "dead queued"]))
        for operation in status.operations {
            lines.append(
                Self.row([
                    operation.operation, "\(operation.processed)", "\(operation.retried)", "\(operation.dead)",
                    "\(operation.pending)", operation.deadQueued.map { "\($0)" } ?? "-",
                ])
            )
        }
        return lines.joined(separator: "\n")
    }

    /// The queues with each family's retry-delay queues summed into one `sync.<op>.retry.*` row (there are a
    /// dozen per family; `--json` lists them one by one).
    static func collapsingRetryQueues(_ queues: [FleetStatus.Queue]) -> [FleetStatus.Queue] {
        var result: [FleetStatus.Queue] = []
        for queue in queues {
            guard let marker = queue.name.range(of: ".retry.") else {
                result.append(queue)
                continue
            }
            let name = queue.name[..<marker.upperBound] + "*"
            if let index = result.firstIndex(where: { $0.name == name }) {
                result[index].messages += queue.messages
                result[index].ready += queue.ready
                result[index].unacknowledged += queue.unacknowledged
                result[index].consumers += queue.consumers
                result[index].publishRate += queue.publishRate
                result[index].deliverRate += queue.deliverRate
                result[index].ackRate += queue.ackRate
            } else {
                var summed = queue
                summed.name = String(name)
                result.append(summed)
            }
        }
        return result
    }

    private static func row(_ cells: [String]) -> String {
        guard let first = cells.first else { return "" }
        let name = first.padding(toLength: max(first.count, 34), withPad: " ", startingAt: 0)
        let rest = cells.dropFirst().map { cell in String(repeating: " ", count: max(0, 10 - cell.count)) + cell }
        return name + rest.joined(separator: " ")
    }

    private static func rate(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private static func time(_ date: Date?) -> String {
        date.map { $0.formatted(.iso8601) } ?? "?"
    }
}

extension ExitCode {
    /// `syncctl status --check`: the fleet is paused.
    static let fleetPaused = ExitCode(7)
    /// `syncctl status --check`: the rollback trigger tripped the fleet.
    static let fleetTripped = ExitCode(8)
}
