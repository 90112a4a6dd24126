import ArgumentParser
import Glibc
import Hummingbird
import Logging
import PortalSimulator
import StructuredLogging

/// `portal-sim --port <p> [--portal <domain>[=plan]]… [--fault method:action[:count][:after]]…`:
/// a Bitrix24 portal simulator; prints one JSON line per portal (webhook URL, tokens) on stdout, logs on stderr.
@main
struct PortalSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "portal-sim", abstract: "Simulated Bitrix24 portals.")

    @Option(help: "TCP port to listen on.") var port = 8090
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Base URL clients use (default http://<host>:<port>).") var publicUrl: String?
    @Option(help: "Portal domain, optionally =standard|enterprise|box; repeatable.") var portal: [String] = []
    @Option(help: "Smart-process entityTypeId of every portal.") var smartProcess = 1280
    @Option(help: "Fault rule method:action[:count][:after|probability|delayMs]; action http503|http500|slow|drop.")
    var fault: [String] = []

    func run() async throws {
        StructuredLogging.bootstrap(process: "portal-sim", sink: .standardError)
        let portals = (portal.isEmpty ? ["acme.bitrix24.ru"] : portal).map { spec in
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            var configuration = PortalConfiguration(
                domain: parts[0],
                plan: parts.count > 1 ? PortalConfiguration.Plan(rawValue: parts[1]) ?? .standard : .standard,
                smartProcessEntityTypeId: smartProcess
            )
            configuration.operatingLimits.isEnabled = configuration.plan != .box
            return configuration
        }
        let faults = try fault.map { flag in
            guard let rule = FaultRule(flag: flag) else { throw ValidationError("bad --fault \(flag)") }
            return rule
        }
        let configuration = SimulatorConfiguration(
            portals: portals,
            publicBaseURL: publicUrl ?? "http://\(host):\(port)",
            faults: faults,
            logger: Logger(label: "portal-sim")
        )
        let simulator = PortalSimulator(configuration: configuration)
        for line in simulator.startupLines() { print(line) }
        fflush(nil)
        let application = simulator.makeApplication(configuration: .init(address: .hostname(host, port: port)))
        try await application.runService()
    }
}
