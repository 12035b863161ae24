import ArgumentParser

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show whether telemetry is enabled, the IDs, the last sends and the spool.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { throw CLIFailure.runtime("status: not implemented yet") }
}
struct Enable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Enable telemetry (writes telemetry.conf.d/50-cli.conf) and reload a running daemon.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { throw CLIFailure.runtime("enable: not implemented yet") }
}
struct Disable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Disable telemetry (writes telemetry.conf.d/50-cli.conf) and reload a running daemon.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { throw CLIFailure.runtime("disable: not implemented yet") }
}
struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send one report now; exit 0 only when the collector accepted it.")
    @OptionGroup var global: GlobalOptions
    func run() async throws { throw CLIFailure.runtime("send: not implemented yet") }
}
