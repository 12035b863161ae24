import CommandLineSupport
import ArgumentParser
import Logging
import Systemd
import TelemetryCore
import TelemetryWire

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the exact JSON the next report would carry. Sends nothing and opens no connection.",
        discussion: """
            Without --type, prints the keep-alive and then the diagnostics report, one JSON document each. With \
            product facts (FactsFile=), the diagnostics report carries the facts that would be sent, and every key \
            left out is listed on stderr with its reason (never its value).
            """
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
        var builder = ctx.reportBuilder(identity: try ctx.identity())
        // Problems with the product's files are told below, in full, instead of as the daemon's one-time warnings.
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .error)
        builder.probe = HostProbe(root: "/", logger: quiet)
        for type in type.map({ [$0] }) ?? ReportType.scheduled {
            let (report, facts) = builder.buildWithFacts(type)
            let data: [UInt8]
            do {
                data = Array(try report.jsonData(pretty: true))
            } catch {
                throw CLIFailure.runtime("could not encode the \(type.rawValue) report: \(error)")
            }
            print(String(decoding: data, as: UTF8.self))
            if let facts { StandardError.write(Self.describe(facts, file: ctx.config.product.factsFile)) }
        }
    }

    /// What became of the facts file, for stderr: the status, then each dropped key and why.
    static func describe(_ f: FactsOutcome, file: String?) -> String {
        guard let file, f.status != .none else { return "" }
        var s = "telemetryd: facts from \(file): factsStatus \(f.status.rawValue)"
        if let problem = f.problem { s += " (\(problem))" }
        if f.status == .ok { s += "; \(f.facts?.count ?? 0) sent, \(f.dropped.count) dropped" }
        s += "\n"
        for d in f.dropped { s += "telemetryd: facts: dropped \(d.key): \(d.reason)\n" }
        return s
    }
}
