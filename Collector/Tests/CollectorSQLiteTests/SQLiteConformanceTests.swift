import Foundation
import CollectorStore
import CollectorSQLite
import CollectorStoreConformance
import SQLiteNIO
import Testing

@Suite struct SQLiteConformanceTests {
    @Test(arguments: ReportStoreConformance.checks.map(\.name))
    func conformance(_ name: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/reports.db"
        try await ReportStoreConformance.run(name, probe: Self.probe(path)) {
            try await SQLiteReportStore.open(path: path)
        }
    }

    /// Row counts of the store's tables through a connection of its own.
    static func probe(_ path: String) -> ReportStoreConformance.Probe {
        ReportStoreConformance.Probe {
            let c = try await SQLiteConnection.open(storage: .file(path: path))
            do {
                var rows: [String: Int] = [:]
                for table in ["reports", "install_days", "install_day_counters", "installs", "day_cache", "meta"] {
                    rows[table] = try await c.query("SELECT COUNT(*) AS n FROM \(table)").first?.column("n")?.integer ?? -1
                }
                try await c.close()
                return rows
            } catch {
                try? await c.close()
                throw error
            }
        }
    }
}
