#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import TelemetryWire
import FileSupport

/// The last reports that left the machine, byte for byte as the collector received them (before gzip), in
/// `<state>/sent/`: an operator can see exactly what was sent, not just what `show` says would be. Bounded: the
/// newest `keep` files stay, older ones are deleted on every write.
public struct SentLog: Sendable {
    public static let directoryName = "sent"
    public let directory: String
    public let keep: Int

    public init(stateDirectory: String, keep: Int = 20) {
        self.directory = stateDirectory + "/" + Self.directoryName
        self.keep = max(1, keep)
    }

    /// Stores one delivered body as `<unix-ms>-<type>-<messageId>.json`, then prunes. Returns the path written.
    @discardableResult
    public func record(body: some Collection<UInt8>, type: ReportType, messageId: String, at date: Date = Date()) throws(FileError) -> String {
        try AtomicFile.makeDirectory(directory)
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        // Zero-padded so lexical order is time order.
        let stamp = String(repeating: "0", count: max(0, 15 - String(ms).count)) + String(ms)
        let safeID = String(messageId.unicodeScalars.filter { $0.properties.isASCIIHexDigit || $0 == "-" }.map(Character.init))
        let path = "\(directory)/\(stamp)-\(type.rawValue)-\(safeID).json"
        try AtomicFile.write(body, to: path, mode: 0o600)
        prune()
        return path
    }

    /// File names, oldest first.
    public func entries() -> [String] {
        Directory.names(directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }

    private func prune() {
        let names = entries()
        guard names.count > keep else { return }
        for name in names.prefix(names.count - keep) {
            unlink(directory + "/" + name)
        }
    }
}
