import CommandLineSupport
import ArgumentParser
import CollectorSummary
import Foundation

struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print active, new and lost installs per UTC day and today's breakdowns (or the API's JSON).")

    @OptionGroup var options: CommonOptions
    @Option(name: .long, help: "How many UTC days, ending today (1 to 3660).") var days: Int = 30
    @Flag(name: .long, help: "Print the JSON of GET /api/v1/summary.") var json = false

    func validate() throws {
        guard (1...3660).contains(days) else { throw ValidationError("--days must be from 1 to 3660") }
    }

    func run() async throws {
        let logger = CollectorLogging.bootstrap()
        let context = try CollectorContext.load(options, logger: logger)
        let store = try await context.openStore()
        let summary: Summary
        do { summary = try await store.summary(days: days, asOf: Date()).cappingDistinctValues(context.config.maxDistinctValues) } catch {
            await store.close()
            throw CLIFailure.runtime("\(error)")
        }
        await store.close()
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(summary), as: UTF8.self))
        } else {
            print(SummaryTable.render(summary), terminator: "")
        }
    }
}

/// The text form of a Summary: one line per day, then the last day's breakdowns and clusters.
enum SummaryTable {
    static func render(_ s: Summary) -> String {
        var out = "date        active    new   lost\n"
        for d in s.days {
            out += d.date.description + pad(d.activeInstalls, 10) + pad(d.newInstalls, 7) + pad(d.lostInstalls, 7) + "\n"
        }
        guard let today = s.days.last else { return out }
        out += "\nactive installs on \(today.date): \(today.activeInstalls)\n"
        let sections: [(String, [String: Int], [String]?)] = [
            ("product version", today.byProductVersion, nil), ("os", today.byOS, nil), ("arch", today.byArch, nil),
            ("virtualization", today.byVirtualization, nil), ("container", today.byContainer, nil),
            ("cores", today.byCores, Buckets.coresOrder), ("memory", today.byMemory, Buckets.memoryOrder),
        ]
        for (title, counts, order) in sections where !counts.isEmpty {
            out += "\n\(title)\n"
            let keys: [String]
            if let order {
                keys = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
            } else {
                keys = counts.keys.sorted { (counts[$0] ?? 0, $1) > (counts[$1] ?? 0, $0) }
            }
            for k in keys { out += "  " + k.padding(toLength: max(k.count, 24), withPad: " ", startingAt: 0) + pad(counts[k] ?? 0, 8) + "\n" }
        }
        out += "\nclusters (a clusterId shared by 2 or more installs): \(s.clusters.count), holding \(s.clusters.installs) installs\n"
        for (size, n) in s.clusters.bySize.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
            out += "  size \(size)".padding(toLength: 26, withPad: " ", startingAt: 0) + pad(n, 8) + "\n"
        }
        return out
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(1, width - s.count)) + s
    }
}
