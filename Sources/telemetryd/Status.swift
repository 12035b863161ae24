import CommandLineSupport
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryCore
import FileSupport
import TelemetryDaemon

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show whether telemetry is enabled and why, the endpoint, the IDs, the last send of each type, the next due times and the spool depth.",
        discussion: """
            Tells what the running daemon decided, in its own environment (recorded in daemon.json in the state \
            directory at every start and reload), not what this shell's environment would decide. With no daemon \
            running it says so and shows what the configuration files alone decide. Reads the configuration and \
            the state directory only: creates nothing, contacts nobody.
            """)
    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print one JSON object instead of lines.")
    var json = false

    func run() async throws {
        let ctx = try Context.load(global, logger: commandLogger())
        try ctx.requireReadableState()
        let report = StatusReport(try StatusInputs(ctx))
        if json {
            do {
                print(try report.jsonText())
            } catch {
                throw CLIFailure.runtime("could not encode the status: \(error)")
            }
        } else {
            print(report.lines.joined(separator: "\n"))
        }
    }
}

/// Reads what `StatusReport` decides from: daemon.json (kept only while its daemon runs), the configuration files
/// alone and as loaded here, the stored IDs, the delivery state, the spool and the sent log.
extension StatusInputs {
    init(_ ctx: Context) throws(CLIFailure) {
        let record: DaemonRecord?
        do throws(FileError) {
            record = try DaemonRecord.load(stateDirectory: ctx.stateDirectory)
        } catch {
            throw .runtime("cannot read what the daemon decided: \(error.description)")
        }
        let files = try ctx.filesAlone()
        let state: DeliveryState
        do throws(FileError) {
            state = try DeliveryStateStore(stateDirectory: ctx.stateDirectory).load()
        } catch {
            throw .runtime("cannot read the delivery state: \(error.description)")
        }
        let stored = IdentityStore(stateDirectory: ctx.stateDirectory, machineAppID: { nil }).stored()
        let fromFile = files.config.clusterIDFile.flatMap { file -> String? in
            if case .value(let id) = ProductProbe.clusterID(file: file) { id } else { nil }
        }
        let sent = SentLog(stateDirectory: ctx.stateDirectory)
        self.init(
            liveDaemon: record.flatMap { $0.isLive() ? $0 : nil },
            filesAlone: files,
            loaded: ctx.loaded,
            callerEnvironment: ctx.environment,
            storedInstanceId: stored.instanceId,
            storedClusterId: stored.clusterId,
            clusterIdFromFile: fromFile,
            delivery: state,
            pendingReports: Spool.pendingCount(stateDirectory: ctx.stateDirectory),
            proxy: ctx.proxyDescription,
            productVersion: ctx.config.product.name == nil ? nil : ProductProbe.version(ctx.config.product).version,
            sentLogDirectory: sent.directory,
            sentLogCount: sent.entries().count,
            stateDirectory: ctx.stateDirectory
        )
    }
}
