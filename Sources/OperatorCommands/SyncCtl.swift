package import ArgumentParser

/// `syncctl`: the operators' one command for the fleet.
///
/// Exit codes: 0 success; 1 the operation failed (the message says why); 64 bad usage; 3 a named thing (portal,
/// key) does not exist; 4 `drain` refused because the fleet is not paused; 5 another drain or replay is running;
/// 6 `preflight` found a required scope or method missing.
package struct SyncCtl: AsyncParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "syncctl",
        abstract: "Operate the ERP → Bitrix24 sync fleet.",
        discussion: """
            Reads AMQP_URL and DATABASE_URL (local defaults of infra/dev.sh), and the integration contract from \
            schemas/contract.json or SYNC_CONTRACT.
            """,
        subcommands: [
            SetupCommand.self, PortalCommand.self, DrainCommand.self, ReplayCommand.self,
            DeadCommand.self, StatusCommand.self, PauseCommand.self, ResumeCommand.self,
            LedgerCommand.self, PreflightCommand.self, ReportCommand.self, ResyncCommand.self,
        ]
    )

    package init() {}
}
