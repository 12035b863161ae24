import ArgumentParser
import TelemetryCore

// TODO(merge): replaced by the real command once TelemetryDelivery's transport lands.
struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send one report now; exit 0 only when the collector accepted it.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "keepalive or diagnostics.")
    var type: ReportType = .keepalive
    func run() async throws { throw CLIFailure.runtime("send: not implemented yet") }
}
