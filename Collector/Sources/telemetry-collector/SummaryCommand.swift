import CommandLineSupport
import ArgumentParser
import CollectorService
import CollectorSummary
import Foundation

struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print active, new and lost installs per UTC day, today's established installs, version cut-offs, breakdowns, facts and counters (or the API's JSON).")

    @OptionGroup var options: CommonOptions
    @Option(name: .long, help: "How many UTC days, ending today (1 to 3660).") var days: Int = 30
    @Option(name: .long, help: ArgumentHelp("Count only the installs of this product (unknown: those that name none).", valueName: "P"))
    var product: String?
    @Option(name: .long, help: ArgumentHelp("Count only the installs running this product version (unknown: those that name none).", valueName: "V"))
    var version: String?
    @Flag(name: .long, help: "Count only established installs (first report 24 h or more before their last of the day).")
    var established = false
    @Flag(name: .long, help: "Print the JSON of GET /api/v1/summary (with adoption, lifecycle and retention).") var json = false

    func validate() throws {
        guard (1...3660).contains(days) else { throw ValidationError("--days must be from 1 to 3660") }
        if product?.isEmpty == true { throw ValidationError("--product must name a product") }
    }

    func run() async throws {
        let logger = CollectorLogging.bootstrap()
        let context = try CollectorContext.load(options, logger: logger)
        let store = try await context.openStore()
        let filter = SummaryFilter(product: product, version: version, established: established)
        let summary: Summary
        do {
            summary = try await store.summary(days: days, asOf: Date(), filter: filter).cappingDistinctValues(context.config.maxDistinctValues)
        } catch {
            await store.close()
            throw CLIFailure.runtime("\(error)")
        }
        await store.close()
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(summary), as: UTF8.self))
        } else {
            print(SummaryTable.render(summary, filter: filter), terminator: "")
        }
    }
}
