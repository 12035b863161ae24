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
            left out is listed on stderr with its reason (never its value). Counters show the increments that would \
            go now; show moves no baseline.
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
        // The increments that would go now, measured from the baselines as they are; nothing moves.
        let basis = CounterTransaction(stateDirectory: ctx.stateDirectory, logger: quiet).basisWithoutMoving()
        for type in type.map({ [$0] }) ?? ReportType.scheduled {
            let built = builder.build(type, counting: basis)
            let (report, facts) = (built.report, built.facts)
            let data: [UInt8]
            do {
                data = Array(try report.jsonData(pretty: true))
            } catch {
                throw CLIFailure.runtime("could not encode the \(type.rawValue) report: \(error)")
            }
            print(String(decoding: data, as: UTF8.self))
            if let facts {
                StandardError.write(Self.describe(facts, file: ctx.config.product.factsFile))
                StandardError.write(Self.describe(counters: built.counters, basis: basis, facts: facts))
            }
        }
    }

    /// What the counters would do, for stderr: how many are declared and since when the increments count, or why
    /// there are none. Empty without declared counters.
    static func describe(counters step: CounterStep?, basis: CounterBasis, facts: FactsOutcome) -> String {
        guard let declared = facts.counters?.declared, !declared.isEmpty else { return "" }
        guard let step, let increments = step.increments else {
            if case .withheld = basis { return "telemetryd: counters: the counters file cannot be read; none would be sent\n" }
            return ""
        }
        let firsts = declared.filter { name in
            guard case .since(let b) = basis else { return false }
            return step.next?.totals[name] != nil && b?.totals[name] == nil
        }
        var s = "telemetryd: counters: \(declared.count) declared, \(increments.count) grew in the last \(step.sinceSec ?? 0) s; nothing is moved by show"
        if !firsts.isEmpty { s += "; first totals (baselines only, not sent): \(firsts.joined(separator: ", "))" }
        return s + "\n"
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
