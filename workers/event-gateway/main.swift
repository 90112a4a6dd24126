import EventGateway
import FleetRuntime

// `event-gateway` serves Bitrix24 events; `event-gateway bench --events 1000` measures its answer times.
WorkerProcess.prepare()
if CommandLine.arguments.dropFirst().first == "bench" {
    await WorkerProcess.run("event-gateway bench") { try await GatewayBenchmark.run(arguments: CommandLine.arguments) }
} else {
    await WorkerProcess.run("event-gateway") { try await EventGatewayApplication.run() }
}
