import CommandLineSupport
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import TelemetryCore
import TelemetryTransport
import TelemetryWire

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build and send one report now; exit 0 only when the collector accepted it (2xx).",
        discussion: """
            A manual check of the path to the collector: the report is not spooled and not retried, and the daemon's
            schedule is not changed. The result shows in 'telemetryd status'.
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
        let report = ctx.reportBuilder(identity: try ctx.identity()).build(type)
        // The outcome is told in one line below; the engine's own log lines only with TELEMETRYD_DEBUG=1.
        let logger = ctx.config.debug ? commandLogger() : Logger(label: "telemetryd") { _ in SwiftLogNoOpLogHandler() }
        let outcome = await HTTPReportDelivery.sendOnce(
            report, loaded: ctx.loaded, stateDirectory: ctx.stateDirectory, environment: ctx.environment, logger: logger)
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
