#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import FileSupport

/// `counters.json` in the state directory (docs/state-directory.md): the counter baselines and the reports that carry
/// increments they already count. Written atomically (`AtomicFile`), and only under an exclusive `flock(2)` on
/// `counters.lock`, held from reading the baselines until the report that moves them is durable, so the daemon and a
/// `telemetryd send` never both send the same increment. A file that cannot be read or decoded is never written over.
public struct CounterLedger: Sendable {
    public static let fileName = "counters.json"
    public static let lockName = "counters.lock"
    /// Reports not yet known to be spooled, at most; beyond it a report carries no counters (they wait, not lost).
    public static let maxPending = 8

    public let stateDirectory: String

    public init(stateDirectory: String) { self.stateDirectory = stateDirectory }

    public var path: String { stateDirectory + "/" + Self.fileName }

    /// The record; an empty one when the file does not exist (a first report, or after an opt-out).
    public func load() throws(FileError) -> CounterLedgerRecord {
        guard let bytes = try AtomicFile.read(path, limit: 1 << 20) else { return CounterLedgerRecord() }
        do {
            return try Self.decoder.decode(CounterLedgerRecord.self, from: Data(bytes))
        } catch {
            throw FileError("decode", path, errno: EINVAL, detail: "not a counters file this version understands (\(error)); move it away to start the counters afresh (their next totals are baselines only)")
        }
    }

    /// Replaces the record atomically: a crash leaves the old or the new one.
    public func save(_ record: CounterLedgerRecord) throws(FileError) {
        let data: Data
        do { data = try Self.encoder.encode(record) } catch { throw FileError("encode", path, errno: EINVAL, detail: "\(error)") }
        try AtomicFile.write(Array(data), to: path)
    }

    /// Opt-out: every baseline and pending report is forgotten, so the first totals after it are baselines only.
    /// Not under the lock (an opt-out waits for nobody); a `telemetryd send` finishing meanwhile writes nothing back,
    /// because its report is no longer pending.
    public func forget() throws(FileError) {
        try AtomicFile.remove(path)
        AtomicFile.syncDirectory(stateDirectory)
    }

    /// Runs `body` holding the exclusive lock. Without `wait`, gives nil at once when another process holds it.
    public func withLock<T>(wait: Bool, _ body: () async -> T) async throws(FileError) -> T? {
        try AtomicFile.makeDirectory(stateDirectory)
        let lockPath = stateDirectory + "/" + Self.lockName
        let fd = try AtomicFile.openLockFile(lockPath)
        defer { close(fd) }
        while flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK && !wait { return nil }
            throw FileError("flock", lockPath, errno: errno)
        }
        return await body()
    }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
