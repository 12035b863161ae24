/// One line of `/proc/PID/maps`: `start-end perms offset major:minor inode   path`.
public struct MemoryMapping: Equatable, Sendable {
    public var start: UInt
    public var end: UInt
    /// `r-xp`, `r--p`, `rw-p`, …
    public var permissions: String
    public var offset: UInt64
    /// `major:minor` in hex, as the kernel prints it.
    public var device: String
    public var inode: UInt64
    /// Empty for anonymous memory; `[heap]`, `[stack]`, …; a file path, possibly ending in ` (deleted)`.
    public var path: String

    public var size: UInt { end - start }
    public var isReadable: Bool { permissions.utf8.first == UInt8(ascii: "r") }
    public var isWritable: Bool { permissions.utf8.dropFirst().first == UInt8(ascii: "w") }
    /// Private (copy on write, `p`), not shared (`s`).
    public var isPrivate: Bool { permissions.utf8.last == UInt8(ascii: "p") }
    /// Backed by a file (inode 0 is anonymous memory, the heap, stacks, vdso).
    public var isFileBacked: Bool { inode != 0 }

    public func contains(_ address: UInt) -> Bool { address >= start && address < end }
}

public enum ProcMaps {
    /// Parses the text of `/proc/PID/maps`; lines that do not parse are skipped.
    public static func parse(_ text: String) -> [MemoryMapping] {
        text.split(separator: "\n").compactMap(parseLine)
    }

    static func parseLine(_ line: Substring) -> MemoryMapping? {
        // Five space-separated fields, then the path (which may itself contain spaces) after padding.
        var rest = line[...]
        func field() -> Substring? {
            rest = rest.drop(while: { $0 == " " })
            guard !rest.isEmpty else { return nil }
            let f = rest.prefix(while: { $0 != " " })
            rest = rest.dropFirst(f.count)
            return f
        }
        guard let range = field(), let perms = field(), let offset = field(), let device = field(),
              let inode = field() else { return nil }
        let bounds = range.split(separator: "-")
        guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end >= start,
              perms.count == 4, let off = UInt64(offset, radix: 16), let ino = UInt64(inode) else { return nil }
        let path = rest.drop(while: { $0 == " " })
        return MemoryMapping(start: start, end: end, permissions: String(perms), offset: off, device: String(device),
                             inode: ino, path: String(path))
    }

    /// Parses the text of `/proc/PID/smaps`: each mapping's line as in `maps`, then its `Key: value kB` lines, of
    /// which `Anonymous:` and `Swap:` are kept. Lines that do not parse are skipped.
    public static func parseSmaps(_ text: String) -> [SmapsEntry] {
        var out: [SmapsEntry] = []
        for line in text.split(separator: "\n") {
            if let mapping = parseLine(line) {
                out.append(SmapsEntry(mapping: mapping))
                continue
            }
            guard !out.isEmpty else { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
            switch fields[0] {
            case "Anonymous:": out[out.count - 1].anonymousKiB = kib
            case "Swap:": out[out.count - 1].swapKiB = kib
            default: break
            }
        }
        return out
    }

    /// Those of `mappings` backed by the file of the one that contains `address` (same device and inode), in their
    /// order: given the clean mappings and an address in the program's code, the binary's text and read-only data.
    public static func mappingsOfFile(containing address: UInt, in mappings: [MemoryMapping]) -> [MemoryMapping] {
        guard let own = mappings.first(where: { $0.contains(address) }) else { return [] }
        return mappings.filter { $0.device == own.device && $0.inode == own.inode }
    }

    /// The mappings whose pages `madvise(MADV_DONTNEED)` may drop without losing anything: private, readable, not
    /// writable, backed by a file, holding no anonymous (written) page and none in swap: text and read-only data of
    /// the binary and of each library. Left out besides: the read-only mapping directly below a writable one of the
    /// same file, the RELRO part of a data segment (relocated at start, then made read-only), even when smaps shows
    /// no private page in it.
    public static func cleanFileMappings(_ entries: [SmapsEntry]) -> [MemoryMapping] {
        let maps = entries.map(\.mapping)
        return entries.filter { e in
            let m = e.mapping
            guard m.isFileBacked, m.isPrivate, m.isReadable, !m.isWritable, e.anonymousKiB == 0, e.swapKiB == 0 else {
                return false
            }
            let relro = maps.contains { $0.start == m.end && $0.isWritable && $0.device == m.device && $0.inode == m.inode }
            return !relro
        }.map(\.mapping)
    }
}
