import Foundation
import CollectorStore
import CollectorStoreConformance
import Testing

@Suite struct SQLiteConformanceTests {
    @Test(arguments: ReportStoreConformance.checks.map(\.name))
    func conformance(_ name: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try await ReportStoreConformance.run(name) {
            try await SQLiteReportStore.open(path: dir.path + "/reports.db")
        }
    }
}

