import ArgumentParser
import Systemd
#if canImport(Glibc)
import Glibc
#endif

/// A failure with the exit code both executables promise (1 runtime, 2 usage or configuration) and a one-line reason.
public struct CLIFailure: Error, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
    public static func runtime(_ m: String) -> CLIFailure { CLIFailure(code: 1, message: m) }
    public static func usage(_ m: String) -> CLIFailure { CLIFailure(code: 2, message: m) }
    public var description: String { message }
}

/// The one entry of `telemetryd` and `telemetry-collector`: parse, run, and end the process with the documented exit
/// code and a one-line reason on stderr.
public enum CommandEntry {
    public static func run<Root: ParsableCommand>(_ root: Root.Type, name: String) async -> Never {
        let code: Int32
        do {
            var command = try Root.parseAsRoot()
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            code = 0
        } catch let failure as CLIFailure {
            StandardError.write("\(name): \(failure.message)\n")
            code = failure.code
        } catch {
            // Help and --version are "errors" with exit code 0 in ArgumentParser; everything else it throws is usage.
            if Root.exitCode(for: error) == .success {
                print(Root.fullMessage(for: error))
                code = 0
            } else if let exit = error as? ExitCode {
                code = exit.rawValue
            } else {
                let message = Root.message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
                StandardError.write("\(name): \(message)\nSee '\(name) --help'.\n")
                code = 2
            }
        }
        exit(code)
    }
}
