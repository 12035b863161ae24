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
            built (their timestamp). Exit 1 when any report was rejected or could not be stored.
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
        // Read everything first: a missing file is reported before anything is stored.
        var inputs: [(name: String, bytes: [UInt8])] = []
        for file in files {
            do { inputs.append((file, try Self.read(file))) } catch { throw CLIFailure.runtime("\(file): \(error)") }
        }
        let store = try await context.openStore()
        let importer = ReportImporter(store: store, validator: validator, maxBodyBytes: context.config.maxBodyBytes,
                                      warn: { StandardError.write($0) })
        var total = ImportTally()
        for input in inputs {
            let tally: ImportTally
            do {
                tally = try await importer.store(input.name, input.bytes)
            } catch {
                await store.close()
                throw CLIFailure.runtime("\(error)")
            }
            print("\(input.name): \(tally)")
            total.add(tally)
        }
        await store.close()
        if inputs.count > 1 { print("total: \(total)") }
        if total.rejected > 0 { throw CLIFailure.runtime("\(total.rejected) report\(total.rejected == 1 ? "" : "s") rejected (see above)") }
    }

    static func read(_ file: String) throws -> [UInt8] {
        if file == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let h = FileHandle(forReadingAtPath: file) else {
            throw FileReadError(description: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { try? h.close() }
        return Array(h.readDataToEndOfFile())
    }
}
