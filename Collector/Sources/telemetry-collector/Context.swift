import CommandLineSupport
import Foundation
import CollectorConfiguration
import CollectorEvents
import CollectorStore
import Logging
#if canImport(Glibc)
import Glibc
#endif
import ConfigGrammar

/// What every command starts from: the loaded configuration and a way to open the store.
struct CollectorContext {
    var config: CollectorConfig
    var warnings: [ConfigDiagnostic]
    var logger: Logger

    /// Loads collector.conf and drop-ins; a bad file is a usage/configuration failure (exit 2).
    static func load(_ options: CommonOptions, logger: Logger) throws -> CollectorContext {
        let environment = ProcessInfo.processInfo.environment
        let loader = CollectorConfigLoader.forCommandLine(configOption: options.config, environment: environment)
        do {
            let (config, warnings) = try loader.load()
            for w in warnings { logger.warning("\(w)", metadata: CollectorEvent.configWarning.metadata) }
            return CollectorContext(config: config, warnings: warnings, logger: logger)
        } catch {
            throw CLIFailure.usage("\(error)")
        }
    }

    /// Opens and migrates the configured store; failure is a runtime failure (exit 1).
    func openStore() async throws -> any ReportStore {
        let store: any ReportStore
        do { store = try await StoreFactory.open(config, logger: logger) } catch let e as CLIFailure { throw e } catch {
            throw CLIFailure.runtime("\(error)")
        }
        do { try await store.migrate() } catch {
            await store.close()   // a store must be closed before it goes away
            throw CLIFailure.runtime("\(error)")
        }
        return store
    }

    /// The tokens of TokenFile= or ReadTokenFile= (none configured: open).
    func readTokens(_ file: TokenFileKey) throws -> BearerTokens {
        guard let path = file.path(in: config) else { return .open }
        let text: String
        do { text = try readSmallTextFile(path) } catch { throw CLIFailure.usage("\(file.key)=\(path): \(error)") }
        switch file.tokens(fileText: text, path: path) {
        case .success(let tokens): return tokens
        case .failure(let refused): throw CLIFailure.usage("\(refused)")
        }
    }
}
