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

/// The outcome of the last attempt at one report type, for `telemetryd status`.
public struct SendRecord: Codable, Sendable, Equatable {
    public var at: Date
    public var result: ReportResult
    public var httpStatus: Int?
    public var messageId: String
    /// Why it failed, in words ("connection refused", "HTTP 503"); never a response body.
    public var detail: String?

    public init(at: Date, result: ReportResult, httpStatus: Int? = nil, messageId: String, detail: String? = nil) {
        self.at = at
        self.result = result
        self.httpStatus = httpStatus
        self.messageId = messageId
        self.detail = detail
    }
}

/// What survives a restart besides the spool: when each type was last scheduled (so a crash loop never sends more
/// than one report of a type per interval) and the last result of each type. Kept in `state.json`.
public struct DeliveryState: Codable, Sendable, Equatable {
    /// Keyed by `ReportType.rawValue`.
    public var lastScheduled: [String: Date] = [:]
    public var lastResult: [String: SendRecord] = [:]
    /// Last 2xx per type.
    public var lastSent: [String: Date] = [:]
    /// When the running daemon next builds each type (written by the daemon whenever it plans).
    public var nextDue: [String: Date] = [:]

    public init() {}

    private enum CodingKeys: String, CodingKey { case lastScheduled, lastResult, lastSent, nextDue }

    /// Tolerant of missing keys, so a state file from an older version still loads.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lastScheduled = try c.decodeIfPresent([String: Date].self, forKey: .lastScheduled) ?? [:]
        lastResult = try c.decodeIfPresent([String: SendRecord].self, forKey: .lastResult) ?? [:]
        lastSent = try c.decodeIfPresent([String: Date].self, forKey: .lastSent) ?? [:]
        nextDue = try c.decodeIfPresent([String: Date].self, forKey: .nextDue) ?? [:]
    }

    public func lastScheduled(_ type: ReportType) -> Date? { lastScheduled[type.rawValue] }
    public func lastResult(_ type: ReportType) -> SendRecord? { lastResult[type.rawValue] }
    public func lastSent(_ type: ReportType) -> Date? { lastSent[type.rawValue] }
    public func nextDue(_ type: ReportType) -> Date? { nextDue[type.rawValue] }

    public mutating func record(_ record: SendRecord, for type: ReportType) {
        lastResult[type.rawValue] = record
        if record.result == .sent { lastSent[type.rawValue] = record.at }
    }
}

/// `state.json` in the state directory. Updates are read-modify-write under an exclusive `flock(2)` on
/// `state.lock`, so the daemon and a `telemetryd send` run by hand never lose each other's writes, and the file is
/// replaced atomically so a crash leaves the old or the new state, never half of one.
///
/// Who writes what (docs/state-directory.md): the daemon's schedule writes `lastScheduled` and `nextDue`; the
/// delivery engine (the daemon's, and `telemetryd send`) writes `lastResult` and `lastSent`. Each writer changes
/// only its own keys, always through `update`, so none can undo another's. A file that cannot be read or decoded
/// is never replaced: `update` fails instead, and the operator sees why.
public struct DeliveryStateStore: Sendable {
    public static let fileName = "state.json"
    public static let lockName = "state.lock"
    public let stateDirectory: String

    public init(stateDirectory: String) { self.stateDirectory = stateDirectory }

    public var path: String { stateDirectory + "/" + Self.fileName }

    /// The stored state; an empty one when the file does not exist yet. A file that exists but cannot be read
    /// (EACCES: written by root without the fix of `AtomicFile.giveToDirectoryOwner`) or decoded is an error that
    /// names it, never an empty state.
    public func load() throws(FileError) -> DeliveryState {
        guard let bytes = try AtomicFile.read(path, limit: 1 << 20) else { return DeliveryState() }
        do {
            return try Self.decoder.decode(DeliveryState.self, from: Data(bytes))
        } catch {
            throw FileError("decode", path, errno: EINVAL, detail: "not a state file this version understands (\(error)); move it away to start afresh")
        }
    }

    /// Read, change and write back under the lock.
    public func update(_ body: (inout DeliveryState) -> Void) throws(FileError) {
        try AtomicFile.makeDirectory(stateDirectory)
        let lockPath = stateDirectory + "/" + Self.lockName
        let fd = try AtomicFile.openLockFile(lockPath)
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw FileError("flock", lockPath, errno: errno) }
        }
        var state = try load()
        body(&state)
        let data: Data
        do { data = try Self.encoder.encode(state) } catch { throw FileError("encode", path, errno: EINVAL) }
        try AtomicFile.write(Array(data), to: path)
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
