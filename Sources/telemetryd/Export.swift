import CommandLineSupport
import ArgumentParser
import TelemetryCore
import TelemetryWire

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the reports that would go out now as JSON lines, for hosts without a network path to the collector.",
        discussion: """
            Prints every spooled report (oldest first), then a fresh keep-alive and diagnostics report, one JSON \
            document per line. Sends nothing, opens no connection and leaves the spool as it is. Carry the output to \
            the collector's host and load it with 'telemetry-collector import FILE'; the collector drops duplicates \
            by messageId, so exporting twice is harmless. The product's counters travel in the daemon's spooled \
            diagnostics reports; the fresh one carries none and moves no baseline.
            """)
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let ctx = try Context.load(global, logger: commandLogger())
        if let reason = ctx.disabledReason {
            throw CLIFailure.runtime("\(reason): nothing to export")
        }
        let builder = ctx.reportBuilder(identity: try ctx.identity())
        // The fresh diagnostics report carries no counters (null) and moves no baseline: the increments go with the
        // daemon's next diagnostics report, which is spooled and so printed by the next export. An exported counter
        // that also went with the daemon's report would be counted twice.
        let reports = Spool(stateDirectory: ctx.stateDirectory).peek() + ReportType.scheduled.map { builder.build($0) }
        var out = ""
        for report in reports {
            do {
                out += String(decoding: try report.jsonData(), as: UTF8.self) + "\n"
            } catch {
                throw CLIFailure.runtime("could not encode the \(report.type.rawValue) report \(report.messageId): \(error)")
            }
        }
        print(out, terminator: "")
    }
}
