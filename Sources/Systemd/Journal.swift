import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Structured logging to journald through `sd_journal_sendv_with_location(3)` (the variadic `sd_journal_send`
/// is not importable into Swift).
public enum Journal {
    /// journald's native protocol socket.
    public static let socketPath = "/run/systemd/journal/socket"

    /// Sends one journal entry. Field names are sanitized with `JournalField.sanitize` (entries whose name sanitizes
    /// to nothing are dropped); `CODE_FILE`, `CODE_LINE` and `CODE_FUNC` come from the call site.
    /// - Returns: false when journald could not be reached (e.g. `-ECONNREFUSED`, `-ENOENT` outside systemd) or
    ///   nothing was left to send; the caller should then write the line elsewhere.
    @discardableResult
    public static func send(
        fields: [(String, String)],
        file: String = #fileID,
        line: UInt = #line,
        function: String = #function
    ) -> Bool {
        let payload = JournalPayload(fields: fields)
        guard !payload.ranges.isEmpty else { return false }
        let fileField = "CODE_FILE=\(file)"
        let lineField = "CODE_LINE=\(line)"
        return payload.bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            var iov = payload.ranges.map { range in
                iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: base + range.lowerBound),
                    iov_len: range.count
                )
            }
            let count = Int32(clamping: iov.count)
            return fileField.withCString { f in
                lineField.withCString { l in
                    function.withCString { fn in
                        iov.withUnsafeMutableBufferPointer { iovs in
                            sd_journal_sendv_with_location(f, l, fn, iovs.baseAddress, count) >= 0
                        }
                    }
                }
            }
        }
    }

    /// Whether journald's socket exists (it is what `sd_journal_sendv` writes to).
    public static var isAvailable: Bool {
        var st = stat()
        guard stat(socketPath, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFSOCK
    }

    /// Whether stderr is connected to the journal: `$JOURNAL_STREAM` (`device:inode`) equals `fstat(2)` of fd 2.
    public static var stderrIsJournal: Bool {
        guard let raw = getenv("JOURNAL_STREAM"), let stream = JournalStream(String(cString: raw)) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return stream.matches(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }
}

/// The value of `$JOURNAL_STREAM`: `device:inode` of the stream systemd connected stdout/stderr to, in decimal.
public struct JournalStream: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// Parses `device:inode`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let d = UInt64(parts[0]), let i = UInt64(parts[1]) else { return nil }
        self.init(device: d, inode: i)
    }

    public func matches(device: UInt64, inode: UInt64) -> Bool { self.device == device && self.inode == inode }
}

/// Journal field names: `A`–`Z`, `0`–`9`, `_`; not starting with a digit or `_` (leading `_` marks fields only
/// journald itself may set); at most 64 characters. journald silently drops an entry's field with any other name.
public enum JournalField {
    public static let maxNameLength = 64

    /// Maps `name` to a valid field name: lower-case letters to upper case, every other character outside
    /// `A`–`Z0`–`9_` (such as `.` and `-`) to `_`; leading digits and underscores dropped; cut to 64 characters.
    /// Returns nil when nothing valid is left.
    public static func sanitize(_ name: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(min(name.utf8.count, maxNameLength))
        for c in name.utf8 {
            let mapped: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                mapped = c
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                mapped = c - 32
            default:
                // Non-ASCII bytes of one scalar each become `_`; that keeps names distinct enough and valid.
                mapped = UInt8(ascii: "_")
            }
            if out.isEmpty, mapped == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(mapped) {
                continue
            }
            out.append(mapped)
            if out.count == maxNameLength { break }
        }
        guard !out.isEmpty else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `name` is a valid journal field name as it is.
    public static func isValid(_ name: String) -> Bool { sanitize(name) == name }
}

/// The bytes of one journal entry, `NAME=value` per field laid end to end in one buffer, with the range of each:
/// one contiguous allocation the iovecs point into, alive for the whole `sd_journal_sendv` call.
public struct JournalPayload: Sendable, Equatable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var ranges: [Range<Int>] = []

    /// Fields with names sanitized by `JournalField.sanitize`; a field whose name sanitizes to nothing is left out.
    /// Values are sent as they are (journald's native protocol carries newlines and binary data).
    public init(fields: [(String, String)]) {
        for (name, value) in fields {
            guard let field = JournalField.sanitize(name) else { continue }
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes.append(contentsOf: value.utf8)
            ranges.append(start..<bytes.count)
        }
    }

    /// The entries as `NAME=value` strings, in order.
    public var entries: [String] {
        ranges.map { String(decoding: bytes[$0], as: UTF8.self) }
    }
}
