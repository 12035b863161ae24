import CollectorCore
import CollectorStore
import Logging

/// `Database=` → the ReportStore that keeps it.
enum StoreFactory {
    static func open(_ config: CollectorConfig, logger: Logger) async throws -> any ReportStore {
        switch config.database {
        case .sqlite(let path):
            return try await SQLiteReportStore.open(path: path, logger: logger)
        case .postgresql(let url):
            throw CLIFailure.usage("Database=\(url): PostgreSQL is not supported by this build yet; use sqlite:///PATH")
        }
    }
}
