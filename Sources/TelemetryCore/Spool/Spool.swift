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

/// One report waiting in the spool. The file name carries everything needed to order, log and drop it without
/// reading it: `<unix-ms, 15 digits>-<type>-<messageId>.json`, so lexical order is oldest first.
public struct SpoolEntry: Sendable, Hashable, CustomStringConvertible {
    public var fileName: String
    /// Milliseconds since 1970 when it was spooled (strictly increasing within one spool).
    public var spooledAtMs: UInt64
    public var type: ReportType
    public var messageId: String

    public init(spooledAtMs: UInt64, type: ReportType, messageId: String) {
        self.spooledAtMs = spooledAtMs
        self.type = type
        self.messageId = messageId
        let digits = String(spooledAtMs)
        self.fileName = String(repeating: "0", count: max(0, 15 - digits.count)) + digits + "-\(type.rawValue)-\(messageId).json"
    }

    /// Parses a spool file name; nil when it is not one (then the file is not ours or was damaged).
    public init?(fileName: String) {
        guard fileName.hasSuffix(".json") else { return nil }
        let stem = fileName.dropLast(5)
        let parts = stem.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 15, parts[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let ms = UInt64(parts[0]), let type = ReportType(rawValue: String(parts[1])),
              Spool.isValidMessageId(parts[2])
        else { return nil }
        self.init(spooledAtMs: ms, type: type, messageId: String(parts[2]))
        guard self.fileName == fileName else { return nil }
    }

    public var description: String { fileName }
}

/// A spool file that could not be used and was deleted, with the reason (for the journal).
public struct SpoolDiscard: Sendable, Equatable, CustomStringConvertible {
    public var fileName: String
    public var reason: String
    public init(fileName: String, reason: String) { self.fileName = fileName; self.reason = reason }
    public var description: String { "\(fileName): \(reason)" }
}

/// Unsent reports on disk, `<stateDirectory>/spool/`, one file per report holding the exact JSON sent, so the
/// messageId and the bytes stay the same across retries and restarts (README, "Reports"). Files are written
/// atomically before the first attempt and removed after a 2xx or a rejection. Not thread-safe by itself: one
/// owner (the delivery actor) uses it.
public struct Spool: Sendable {
    public static let directoryName = "spool"
    /// A spooled report is at most this large; anything bigger on disk is damage, not a report.
    public static let maxFileSize = 1 << 20

    public let directory: String

    public init(stateDirectory: String) {
        self.directory = stateDirectory + "/" + Spool.directoryName
    }

    public func path(of entry: SpoolEntry) -> String { directory + "/" + entry.fileName }

    /// What `add` did: the new entry, the old ones dropped to stay within the bound, the old ones that should
    /// have been dropped but could not be deleted (the new report is spooled all the same), and what its scan of
    /// the spool found that is not a report and deleted (for the journal, like every other scan's).
    public struct Added: Sendable {
        public var entry: SpoolEntry
        public var dropped: [SpoolEntry]
        public var notDropped: [(entry: SpoolEntry, error: FileError)]
        public var discarded: [SpoolDiscard]
    }

    /// Writes the report JSON `body` as a new spool file, then drops the oldest files beyond `maxReports` and returns
    /// them (so each drop can be logged); the new report itself is never dropped, nor is a `forget` report (the
    /// operator's request to erase this install outlives any number of scheduled reports). Throws only when the new report
    /// could not be written; once it is on disk, an old file that cannot be deleted is reported in `notDropped`, not thrown, so
    /// the caller never takes a spooled report for an unspooled one.
    @discardableResult
    public func add(body: [UInt8], type: ReportType, messageId: String, maxReports: Int, now: Date = Date()) throws(FileError) -> Added {
        guard Spool.isValidMessageId(Substring(messageId)) else { throw FileError("spool (bad messageId)", directory, errno: EINVAL) }
        try AtomicFile.makeDirectory(directory)
        let (existing, discarded) = scan()
        let nowMs = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down)))
        let ms = max(nowMs, (existing.last?.spooledAtMs ?? 0) + 1)
        let entry = SpoolEntry(spooledAtMs: ms, type: type, messageId: messageId)
        try AtomicFile.write(body, to: path(of: entry))
        var added = Added(entry: entry, dropped: [], notDropped: [], discarded: discarded)
        let bound = max(1, maxReports)
        let total = existing.count + 1
        if total > bound {
            for old in existing.filter({ $0.type != .forget }).prefix(total - bound) {
                do throws(FileError) {
                    try AtomicFile.remove(path(of: old))
                    added.dropped.append(old)
                } catch {
                    added.notDropped.append((old, error))
                }
            }
        }
        return added
    }

    /// The spooled reports, oldest first.
    public func entries() -> [SpoolEntry] { scan().entries }

    /// The spooled reports, oldest first, and what was found that is not a report and was deleted (stray or
    /// damaged names, leftover temp files of a crashed write, subdirectories are left alone).
    public func scan() -> (entries: [SpoolEntry], discarded: [SpoolDiscard]) {
        var entries: [SpoolEntry] = []
        var discarded: [SpoolDiscard] = []
        for name in Directory.names(directory) {
            if let e = SpoolEntry(fileName: name) {
                entries.append(e)
                continue
            }
            let full = directory + "/" + name
            guard Spool.isRegularFile(full) else { continue }
            if name.contains(".tmp.") {
                // AtomicFile's temp of a write that never finished; ours (same pid) may be in progress.
                if name.hasSuffix(".tmp.\(getpid())") { continue }
                try? AtomicFile.remove(full)
                discarded.append(SpoolDiscard(fileName: name, reason: "leftover of an interrupted write, deleted"))
            } else {
                try? AtomicFile.remove(full)
                discarded.append(SpoolDiscard(fileName: name, reason: "not a spool file name (<ms>-<type>-<messageId>.json), deleted"))
            }
        }
        entries.sort { $0.fileName < $1.fileName }
        return (entries, discarded)
    }

    /// The report and the exact bytes to send. A file that is gone gives `.missing`; one that cannot be read or
    /// does not hold the report its name says is deleted and gives `.discarded` with the reason.
    public func loadChecked(_ entry: SpoolEntry) -> LoadResult {
        let p = path(of: entry)
        let bytes: [UInt8]?
        do { bytes = try AtomicFile.read(p, limit: Spool.maxFileSize + 1) } catch {
            try? AtomicFile.remove(p)
            return .discarded(SpoolDiscard(fileName: entry.fileName, reason: "unreadable (\(error)), deleted"))
        }
        guard let bytes else { return .missing }
        func discard(_ why: String) -> LoadResult {
            try? AtomicFile.remove(p)
            return .discarded(SpoolDiscard(fileName: entry.fileName, reason: "\(why), deleted"))
        }
        guard bytes.count <= Spool.maxFileSize else { return discard("larger than \(Spool.maxFileSize) bytes") }
        guard let report = try? Report.makeDecoder().decode(Report.self, from: Data(bytes)) else {
            return discard("not a valid report (damaged or truncated JSON)")
        }
        guard report.messageId == entry.messageId, report.type == entry.type else {
            return discard("content (\(report.type.rawValue) \(report.messageId)) does not match its name")
        }
        return .report(report, body: bytes)
    }

    public enum LoadResult: Sendable, Equatable {
        case report(Report, body: [UInt8])
        case missing
        case discarded(SpoolDiscard)
    }

    /// Deletes a sent or rejected report. A file already gone is no error; one that cannot be deleted is (the caller
    /// must then not send it again).
    public func remove(_ entry: SpoolEntry) throws(FileError) {
        try AtomicFile.remove(path(of: entry))
    }

    /// Opt-out: deletes every spooled report (and temp leftovers) but `forget` reports, which are the opt-out's own
    /// request to erase this install and are delivered while telemetry is disabled; returns how many were deleted.
    @discardableResult
    public func purge() -> Int {
        var count = 0
        for name in Directory.names(directory) {
            let full = directory + "/" + name
            let entry = SpoolEntry(fileName: name)
            guard Spool.isRegularFile(full), entry?.type != .forget else { continue }
            if (try? AtomicFile.remove(full)) != nil, entry != nil { count += 1 }
        }
        AtomicFile.syncDirectory(directory)
        return count
    }

    /// How many reports wait in the spool of `stateDirectory`; names only, nothing is read. For `telemetryd status`.
    public static func pendingCount(stateDirectory: String) -> Int {
        Directory.names(stateDirectory + "/" + directoryName).reduce(0) { $0 + (SpoolEntry(fileName: $1) == nil ? 0 : 1) }
    }

    // MARK: helpers

    /// A lower-case UUID or similar token: hex digits and '-', 1...64 characters (never a path).
    static func isValidMessageId(_ s: Substring) -> Bool {
        !s.isEmpty && s.utf8.count <= 64
            && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) || $0 == 0x2D }
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }
}
