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
    public var isWritable: Bool { permissions.utf8.dropFirst().first == UInt8(ascii: "w") }
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

    /// The clean, file-backed mappings of the file that contains `address` (the program's own executable when given
    /// the address of its own code): its text and read-only data. Left out are its writable mappings and the
    /// read-only one directly below a writable one: that is the RELRO part of the data segment (relocated at start,
    /// then made read-only), whose pages are private dirty copies that paging out would only push to swap.
    /// Matched by device and inode, which stay right when the file was replaced on disk (an upgrade) and the path
    /// ends in ` (deleted)`.
    public static func cleanMappings(ofFileContaining address: UInt, in maps: [MemoryMapping]) -> [MemoryMapping] {
        guard let own = maps.first(where: { $0.contains(address) }), own.isFileBacked else { return [] }
        let file = maps.filter { $0.isFileBacked && $0.device == own.device && $0.inode == own.inode }
        let writableStarts = Set(file.filter(\.isWritable).map(\.start))
        return file.filter { !$0.isWritable && !writableStarts.contains($0.end) }
    }
}
