import ArgumentParser
import TelemetryCore
import TelemetryWire

struct Telemetryd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetryd",
        abstract: "Anonymous keep-alive and diagnostics telemetry for Linux servers.",
        discussion: """
            Configuration: /etc/telemetryd/telemetry.conf and telemetry.conf.d/*.conf (man telemetry.conf).
            Every command, option, file, variable and journal field: man telemetryd.
            Opt out at any time with 'telemetryd disable', Enable=no, TELEMETRYD_DISABLE=1 or DO_NOT_TRACK=1.
            Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
            """,
        version: AgentInfo.version,
        subcommands: [Run.self, Show.self, Status.self, Enable.self, Disable.self, Send.self, Forget.self, Export.self]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Main configuration file (default: $TELEMETRYD_CONFIG, else /etc/telemetryd/telemetry.conf).", valueName: "path"))
    var config: String?

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("State directory (default: $STATE_DIRECTORY, else /var/lib/telemetryd).", valueName: "dir"))
    var stateDir: String?
}

/// `--type` of `show` and `send`: the scheduled types only. A forget report is built by `forget` alone, so no other
/// command prints or sends the erasure key.
extension ReportType: ExpressibleByArgument {
    public init?(argument: String) {
        guard let type = ReportType(rawValue: argument), ReportType.scheduled.contains(type) else { return nil }
        self = type
    }

    public static var allValueStrings: [String] { scheduled.map(\.rawValue) }
}
