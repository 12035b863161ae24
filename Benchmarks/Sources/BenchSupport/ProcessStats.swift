// What the soak runner watches in its own process: resident memory, open descriptors, threads.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TelemetryCore

public struct ProcessStats: Sendable, Equatable {
    /// VmRSS in KiB.
    public var rssKiB: Int
    /// VmHWM (peak RSS) in KiB.
    public var peakRssKiB: Int
    public var openFileDescriptors: Int
    public var threads: Int

    public static func current() -> ProcessStats {
        var s = ProcessStats(rssKiB: -1, peakRssKiB: -1, openFileDescriptors: countEntries("/proc/self/fd"), threads: -1)
        if let bytes = try? AtomicFile.read("/proc/self/status") {
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" })
                guard fields.count >= 2, let value = Int(fields[1]) else { continue }
                switch fields[0] {
                case "VmRSS": s.rssKiB = value
                case "VmHWM": s.peakRssKiB = value
                case "Threads": s.threads = value
                default: break
                }
            }
        }
        return s
    }

    /// Entries in a directory other than "." and ".." (-1 when it cannot be opened).
    public static func countEntries(_ path: String) -> Int {
        guard let dir = opendir(path) else { return -1 }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw[0] == UInt8(ascii: ".") && (raw[1] == 0 || (raw[1] == UInt8(ascii: ".") && raw[2] == 0))
            }
            if !isDot { n += 1 }
        }
        // opendir itself holds one descriptor while counting /proc/self/fd.
        return path == "/proc/self/fd" ? n - 1 : n
    }
}
