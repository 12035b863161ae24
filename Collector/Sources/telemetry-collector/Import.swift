import Systemd
import CommandLineSupport
import ArgumentParser
import ReportValidation
import CollectorService
import CollectorStore
import Foundation

struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store reports carried from air-gapped hosts: the JSON lines `telemetryd export` prints, or report files.",
        discussion: """
            Each FILE is one report (a JSON object, pretty-printed or not) or JSON lines, one report a line; - reads \
            standard input. Reports are validated and deduplicated as over HTTP and counted on the day they were \
            built (their timestamp). The files are read a chunk at a time (memory stays bounded whatever their size), \
            validated on every core and stored in file order, 256 reports per transaction. Exit 1 when any report was \
            rejected or could not be stored.
            """)

    @OptionGroup var options: CommonOptions
    @Argument(help: ArgumentHelp("Files to import (- for standard input).", valueName: "FILE")) var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one FILE (- for standard input)") }
    }

    func run() async throws {
        let logger = CollectorLogging.bootstrap()
        let context = try CollectorContext.load(options, logger: logger)
        let validator: ReportValidator
        do { validator = try ReportValidator() } catch { throw CLIFailure.runtime("the embedded report schema does not compile: \(error)") }
        // Every file opened first: a missing one is reported before anything is stored. Each is then read a chunk
        // at a time (memory stays bounded whatever its size).
        var inputs: [(name: String, handle: FileHandle)] = []
        for file in files {
            if file == "-" {
                inputs.append((file, FileHandle.standardInput))
            } else if let handle = FileHandle(forReadingAtPath: file) {
                inputs.append((file, handle))
            } else {
                throw CLIFailure.runtime("\(file): cannot open: \(String(cString: strerror(errno)))")
            }
        }
        defer { for input in inputs where input.name != "-" { try? input.handle.close() } }
        let store = try await context.openStore()
        let importer = ReportImporter(store: store, validator: validator, maxBodyBytes: context.config.maxBodyBytes,
                                      warn: { StandardError.write($0) })
        var total = ImportTally()
        for input in inputs {
            let tally: ImportTally
            do {
                tally = try await importer.store(input.name) {
                    do {
                        guard let data = try input.handle.read(upToCount: Self.chunkBytes), !data.isEmpty else { return nil }
                        return Array(data)
                    } catch {
                        throw FileReadError(description: "\(input.name): cannot read: \(error.localizedDescription)")
                    }
                }
            } catch {
                await store.close()
                throw CLIFailure.runtime("\(error)")
            }
            print("\(input.name): \(tally)")
            total.add(tally)
        }
        if total.new > 0 {
            // The store's planner knows the new rows at once, not after autovacuum: the collector's first reads and
            // its first count of the day cache come right after an import.
            do { try await store.updateStatistics() } catch { StandardError.write("warning: \(error)\n") }
        }
        await store.close()
        if inputs.count > 1 { print("total: \(total)") }
        if total.rejected > 0 { throw CLIFailure.runtime("\(total.rejected) report\(total.rejected == 1 ? "" : "s") rejected (see above)") }
    }

    /// Bytes read at a time: a few hundred reports.
    static let chunkBytes = 1 << 20
}
