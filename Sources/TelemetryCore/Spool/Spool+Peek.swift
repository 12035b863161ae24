#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TelemetryWire
import FileSupport

extension Spool {
    /// The spooled reports, oldest first, read without changing anything: unlike `scan()` and `loadChecked()`,
    /// stray or damaged files are skipped, not deleted (`telemetryd export` leaves the spool as it is).
    public func peek() -> [Report] {
        let names = Directory.names(directory).compactMap(SpoolEntry.init(fileName:)).sorted { $0.fileName < $1.fileName }
        return names.compactMap { entry in
            guard let bytes = try? AtomicFile.read(path(of: entry), limit: Spool.maxFileSize),
                  let report = try? Report.makeDecoder().decode(Report.self, from: Data(bytes)),
                  report.messageId == entry.messageId, report.type == entry.type
            else { return nil }
            return report
        }
    }
}

extension Spool {
    /// Whether a report with this `messageId` waits in the spool; file names only, nothing is read or deleted.
    public func contains(messageId: String) -> Bool {
        Directory.names(directory).contains { SpoolEntry(fileName: $0)?.messageId == messageId }
    }
}
