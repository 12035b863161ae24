import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// A failure with the contract's exit code (1 runtime, 2 usage or configuration) and a one-line reason.
struct CLIFailure: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    static func runtime(_ m: String) -> CLIFailure { CLIFailure(code: 1, message: m) }
    static func usage(_ m: String) -> CLIFailure { CLIFailure(code: 2, message: m) }
    var description: String { message }
}

enum Entry {
    static func main() async {
        let code: Int32
        do {
            var command = try TelemetryCollector.parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            code = 0
        } catch let failure as CLIFailure {
            writeStderr("telemetry-collector: \(failure.message)\n")
            code = failure.code
        } catch {
            // Help and --version are "errors" with exit code 0 in ArgumentParser; everything else it throws is usage.
            if TelemetryCollector.exitCode(for: error) == .success {
                print(TelemetryCollector.fullMessage(for: error))
                code = 0
            } else if let exit = error as? ExitCode {
                code = exit.rawValue
            } else {
                let message = TelemetryCollector.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
                writeStderr("telemetry-collector: \(message)\nSee 'telemetry-collector --help'.\n")
                code = 2
            }
        }
        exit(code)
    }
}

func writeStderr(_ s: String) {
    var s = s
    s.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}
