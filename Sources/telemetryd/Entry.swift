import ArgumentParser
import Systemd
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
            var command = try Telemetryd.parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            code = 0
        } catch let failure as CLIFailure {
            StandardError.write("telemetryd: \(failure.message)\n")
            code = failure.code
        } catch {
            // Help and --version are "errors" with exit code 0 in ArgumentParser; everything else it throws is usage.
            let parserCode = Telemetryd.exitCode(for: error)
            if parserCode == .success {
                print(Telemetryd.fullMessage(for: error))
                code = 0
            } else if let exit = error as? ExitCode {
                code = exit.rawValue
            } else {
                let message = Telemetryd.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
                StandardError.write("telemetryd: \(message)\nSee 'telemetryd --help'.\n")
                code = 2
            }
        }
        exit(code)
    }
}
