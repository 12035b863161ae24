import Systemd
import CommandLineSupport
import ArgumentParser
import ReportValidation
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
        var total = ImportTally()
        for input in inputs {
            let tally: ImportTally
            do {
                tally = try await Self.store(input, into: store, validator: validator, maxBodyBytes: context.config.maxBodyBytes)
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

    /// How many inserts are in flight at once: PostgreSQL commits them together (one WAL flush for many), and
    /// SQLite's single writer runs one while the next reports are being validated.
    static let window = 16

    /// Validates and stores one input's reports, up to `window` inserts at a time but never two of one install at
    /// once, so each install's reports are stored in file order (within a day the last one stored wins, as over
    /// HTTP). A rejected report is named (file:line) and skipped; a store failure ends the import, naming the
    /// report it was storing.
    static func store(_ input: (name: String, bytes: [UInt8]), into store: any ReportStore, validator: ReportValidator,
                      maxBodyBytes: Int) async throws -> ImportTally {
        var tally = ImportTally()
        // outcome nil: the database refused a value of the report (said on stderr, counted as rejected).
        try await withThrowingTaskGroup(of: (instance: String, outcome: InsertOutcome?).self) { group in
            var inFlight: [String: Int] = [:]   // instanceId → inserts of it in flight
            var total = 0
            func count(_ done: (instance: String, outcome: InsertOutcome?)) {
                switch done.outcome {
                case .new: tally.new += 1
                case .duplicate: tally.duplicate += 1
                case nil: tally.rejected += 1
                }
                total -= 1
                inFlight[done.instance, default: 1] -= 1
                if inFlight[done.instance] == 0 { inFlight[done.instance] = nil }
            }
            for (line, body) in ImportSplitter.reports(in: input.bytes) {
                if body.count > maxBodyBytes {
                    StandardError.write("\(input.name):\(line): larger than \(maxBodyBytes) bytes (MaxBodyBytes=), skipped\n")
                    tally.rejected += 1
                    continue
                }
                switch validator.validate(body) {
                case .failure(let rejection):
                    StandardError.write("\(input.name):\(line): \(rejection)\n")
                    tally.rejected += 1
                case .success(let report):
                    while total == window || inFlight[report.instanceId] != nil, let done = try await group.next() {
                        count(done)
                    }
                    let place = "\(input.name):\(line)"
                    group.addTask {
                        do { return (report.instanceId, try await store.insert(report, receivedAt: report.timestamp)) } catch StoreError.rejected(let why) {
                            StandardError.write("\(place): the database refused a value of the report: \(why)\n")
                            return (report.instanceId, nil)
                        } catch {
                            throw ImportStoreFailure(description: "\(place): \(error)")
                        }
                    }
                    total += 1
                    inFlight[report.instanceId, default: 0] += 1
                }
            }
            for try await done in group { count(done) }
        }
        return tally
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

struct ImportStoreFailure: Error, CustomStringConvertible {
    var description: String
}

struct ImportTally: CustomStringConvertible {
    var new = 0, duplicate = 0, rejected = 0
    mutating func add(_ o: ImportTally) {
        new += o.new
        duplicate += o.duplicate
        rejected += o.rejected
    }
    var description: String { "\(new) new, \(duplicate) duplicate, \(rejected) rejected" }
}
