#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import FileSupport

/// What the running daemon decided, in its own environment (a unit's `Environment=DO_NOT_TRACK=1` included), kept
/// in `<state>/daemon.json` at start and at every reload. `telemetryd status` shows this instead of judging by the
/// caller's environment. Written only by the daemon (docs/state-directory.md).
public struct DaemonRecord: Codable, Sendable, Equatable {
    public static let fileName = "daemon.json"

    /// A setting's value and what set it: a file:line, `$VARIABLE` or "built-in default".
    public struct Setting<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
        public var value: Value
        public var setBy: String
        public init(_ value: Value, setBy: String) { self.value = value; self.setBy = setBy }
    }

    public var enabled: Setting<Bool>
    public var dryRun: Bool
    public var endpoint: Setting<String>
    /// `[Product] Name=`; nil until a product is configured.
    public var product: Setting<String>?
    public var configFiles: [String]
    /// The last reload's error (file:line), when it was refused and the previous configuration kept.
    public var reloadError: String?
    public var pid: Int32
    /// The process's start time in clock ticks since boot (`/proc/PID/stat` field 22): with the PID, it tells the
    /// daemon that wrote this from a later process that got the same PID. (No boot ID: under systemd-nspawn and
    /// ProtectKernelTunables= the daemon and the CLI can read different ones.)
    public var processStart: UInt64
    public var startedAt: Date
    public var decidedAt: Date
    /// 1 at start, one more at every reload: tells a waiting `telemetryd enable` that the daemon decided again
    /// (the times have whole seconds only).
    public var generation: Int

    public init(enabled: Setting<Bool>, dryRun: Bool, endpoint: Setting<String>, product: Setting<String>? = nil,
                configFiles: [String], reloadError: String? = nil, pid: Int32, processStart: UInt64,
                startedAt: Date, decidedAt: Date, generation: Int = 1) {
        self.generation = generation
        self.enabled = enabled
        self.dryRun = dryRun
        self.endpoint = endpoint
        self.product = product
        self.configFiles = configFiles
        self.reloadError = reloadError
        self.pid = pid
        self.processStart = processStart
        self.startedAt = startedAt
        self.decidedAt = decidedAt
    }

    public static func path(stateDirectory: String) -> String { stateDirectory + "/" + fileName }

    public func write(stateDirectory: String) throws(FileError) {
        let data: Data
        do { data = try DeliveryStateStore.encoder.encode(self) } catch {
            throw FileError("encode", Self.path(stateDirectory: stateDirectory), errno: EINVAL, detail: "\(error)")
        }
        try AtomicFile.write(Array(data), to: Self.path(stateDirectory: stateDirectory), mode: 0o644)
    }

    /// The record; nil when no daemon ever wrote one. Unreadable or undecodable: an error naming the file.
    public static func load(stateDirectory: String) throws(FileError) -> DaemonRecord? {
        let path = path(stateDirectory: stateDirectory)
        guard let bytes = try AtomicFile.read(path, limit: 1 << 16) else { return nil }
        do {
            return try DeliveryStateStore.decoder.decode(DaemonRecord.self, from: Data(bytes))
        } catch {
            throw FileError("decode", path, errno: EINVAL, detail: "not a daemon record (\(error))")
        }
    }

    /// Whether the process that wrote this still runs (same PID, same start time).
    public func isLive(procRoot: String = "/proc") -> Bool {
        Self.processStart(pid: pid, procRoot: procRoot) == processStart
    }

    /// Field 22 (starttime) of `/proc/PID/stat`; nil when there is no such process.
    public static func processStart(pid: Int32, procRoot: String = "/proc") -> UInt64? {
        guard let bytes = (try? AtomicFile.read("\(procRoot)/\(pid)/stat", limit: 4096)) ?? nil else { return nil }
        return parseStartTime(String(decoding: bytes, as: UTF8.self))
    }

    /// The start time in a `/proc/PID/stat` line. The command name (field 2) is in parentheses and may itself hold
    /// spaces and parentheses, so fields are counted from the last ')'.
    public static func parseStartTime(_ stat: String) -> UInt64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
