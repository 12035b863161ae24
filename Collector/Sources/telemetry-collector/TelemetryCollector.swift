import ArgumentParser
import TelemetryWire

struct TelemetryCollector: AsyncParsableCommand {
    static let version = ProjectVersion.string
    static let configuration = CommandConfiguration(
        commandName: "telemetry-collector",
        abstract: "Receives telemetryd's reports, counts installs and shows the answers.",
        discussion: """
            Configuration: /etc/telemetry-collector/collector.conf and collector.conf.d/ drop-ins \
            (--config PATH or $TELEMETRY_COLLECTOR_CONFIG to name another file). \
            Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
            """,
        version: version,
        subcommands: [Serve.self, SummaryCommand.self, Import.self, Prune.self]
    )
}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The main configuration file.", valueName: "PATH"))
    var config: String?
}
