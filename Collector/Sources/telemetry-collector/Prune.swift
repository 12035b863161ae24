import CommandLineSupport
import ArgumentParser
import CollectorService
import CollectorSummary
import Foundation

struct Prune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete raw reports older than RetainDays= (serve also does it every six hours); answers do not change.")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        let logger = CollectorLogging.bootstrap()
        let context = try CollectorContext.load(options, logger: logger)
        let store = try await context.openStore()
        let cutoff = Retention.cutoff(retainDays: context.config.retainDays, now: Date())
        let n: Int
        do { n = try await store.prune(before: cutoff) } catch {
            await store.close()
            throw CLIFailure.runtime("\(error)")
        }
        await store.close()
        print("pruned \(n) raw report\(n == 1 ? "" : "s") received before \(UTCDay(cutoff)) (RetainDays=\(context.config.retainDays))")
    }
}
