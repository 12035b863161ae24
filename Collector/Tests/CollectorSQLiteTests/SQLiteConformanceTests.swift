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
        ReportStoreConformance.Probe(tableRows: {
            let c = try await SQLiteConnection.open(storage: .file(path: path))
            do {
                var rows: [String: Int] = [:]
                for table in ["reports", "install_days", "install_day_counters", "installs", "day_cache", "install_keys", "erased_installs", "meta"] {
                    rows[table] = try await c.query("SELECT COUNT(*) AS n FROM \(table)").first?.column("n")?.integer ?? -1
                }
                try await c.close()
                return rows
            } catch {
                try? await c.close()
                throw error
            }
        }, rowsMentioning: { try await rowsMentioning($0, path) })
    }

    /// Every table of the file, each row's columns joined as text, searched for `text` (any case).
    static func rowsMentioning(_ text: String, _ path: String) async throws -> [String: Int] {
        let c = try await SQLiteConnection.open(storage: .file(path: path))
        do {
            var rows: [String: Int] = [:]
            let tables = try await c.query("SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0.column("name")?.string }
            for table in tables {
                let columns = try await c.query("SELECT name FROM pragma_table_info(?1)", [.text(table)]).compactMap { $0.column("name")?.string }
                let joined = columns.map { "coalesce(CAST(\"\($0)\" AS TEXT), '')" }.joined(separator: " || '|' || ")
                rows[table] = try await c.query("SELECT count(*) AS n FROM \"\(table)\" WHERE instr(lower(\(joined)), lower(?1)) > 0",
                                                [.text(text)]).first?.column("n")?.integer ?? -1
            }
            try await c.close()
            guard rows["installs"] != nil else { throw ReportStoreConformance.Failure(description: "no tables found in \(path)") }
            return rows
        } catch {
            try? await c.close()
            throw error
        }
    }
}
