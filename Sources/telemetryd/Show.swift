import ArgumentParser
import Systemd
import TelemetryCore

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the exact JSON the next report would carry. Sends nothing and opens no connection.",
        discussion: "Without --type, prints the keep-alive and then the diagnostics report, one JSON document each."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "keepalive or diagnostics.")
    var type: ReportType?

    func run() async throws {
        let logger = commandLogger()
        let ctx = try Context.load(global, logger: logger)
        if let reason = ctx.disabledReason {
            StandardError.write("telemetryd: \(reason): no report would be sent. Shown for inspection only.\n")
        }
        let builder = ctx.reportBuilder(identity: try ctx.identity())
        for type in type.map({ [$0] }) ?? ReportType.allCases {
            let report = builder.build(type)
            let data: [UInt8]
            do {
                data = Array(try report.jsonData(pretty: true))
            } catch {
                throw CLIFailure.runtime("could not encode the \(type.rawValue) report: \(error)")
            }
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
