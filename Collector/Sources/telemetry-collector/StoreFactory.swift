import CommandLineSupport
import CollectorConfiguration
import CollectorPostgres
import CollectorSQLite
import CollectorStore
import Logging

/// `Database=` → the ReportStore that keeps it.
enum StoreFactory {
    static func open(_ config: CollectorConfig, logger: Logger) async throws -> any ReportStore {
        switch config.database {
        case .sqlite(let path):
            return try await SQLiteReportStore.open(path: path, logger: logger)
        case .postgresql(let text):
            let url: PostgresDatabaseURL
            do { url = try PostgresDatabaseURL(parsing: text) } catch { throw CLIFailure.usage("\(error)") }
            // Read at every start and reload, like TokenFile=; the password never appears in logs or errors.
            let password = try PostgresReportStore.readPassword(config.passwordFile)
            return try PostgresReportStore(url: url, password: password, logger: logger)
        }
    }
}
