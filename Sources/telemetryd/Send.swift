import CommandLineSupport
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Systemd
import TelemetryCore
import TelemetryTransport
import TelemetryWire

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and send one report now; exit 0 only when the collector accepted it (2xx).",
        discussion: """
            A manual check of the path to the collector: the report is not spooled and not retried, and the daemon's
            schedule is not changed. The result shows in 'telemetryd status'. A diagnostics report carries the \
            product's counter increments, and the baselines move only when the collector accepts it.
            """)
    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "keepalive or diagnostics.")
    var type: ReportType = .keepalive

    func run() async throws {
        let ctx = try Context.load(global, logger: commandLogger())
        if let reason = ctx.disabledReason {
            throw CLIFailure.runtime("\(reason): nothing sent")
        }
        if ctx.config.dryRun {
            let origin = ctx.loaded.origins["Telemetry.DryRun"]?.description ?? "the configuration"
            throw CLIFailure.runtime("DryRun=yes at \(origin): nothing sent ('telemetryd show' prints the report)")
        }
        let builder = ctx.reportBuilder(identity: try ctx.identity())
        // The outcome is told in one line below; the engine's own log lines only with TELEMETRYD_DEBUG=1.
        let logger = ctx.config.debug ? commandLogger() : Logger(label: "telemetryd") { _ in SwiftLogNoOpLogHandler() }
        let deliver = { (report: Report) async -> SendOutcome in
            await HTTPReportDelivery.sendOnce(report, loaded: ctx.loaded, stateDirectory: ctx.stateDirectory,
                                              environment: ctx.environment, logger: logger)
        }
        let report: Report
        let outcome: SendOutcome
        switch type {
        case .keepalive:
            report = builder.build(type)
            outcome = await deliver(report)
        case .diagnostics:
            // The daemon's increments, moved only when the collector accepts them (CounterTransaction).
            let sent = await CounterTransaction(stateDirectory: ctx.stateDirectory, logger: logger).sendOnce(
                build: { builder.build(.diagnostics, counting: $0) }, deliver: deliver,
                accepted: { if case .delivered = $0 { true } else { false } })
            report = sent.report
            outcome = sent.outcome
            if let note = sent.note { StandardError.write("telemetryd: \(note)\n") }
        case .forget:
            throw CLIFailure.usage("send takes keepalive or diagnostics; 'telemetryd forget' asks for an erasure")
        }
        switch outcome {
        case .delivered(let status):
            print("Sent \(type.rawValue) report \(report.messageId) to \(ctx.config.endpoint): HTTP \(status)")
        case .retry(_, _, let reason):
            throw CLIFailure.runtime("\(type.rawValue) report not delivered to \(ctx.config.endpoint): \(reason)")
        case .credentialRejected(_, let reason):
            throw CLIFailure.runtime("\(type.rawValue) report not accepted by \(ctx.config.endpoint): \(reason)")
        case .rejected(_, let reason):
            throw CLIFailure.runtime("\(type.rawValue) report rejected by \(ctx.config.endpoint): \(reason)")
        }
    }
}
