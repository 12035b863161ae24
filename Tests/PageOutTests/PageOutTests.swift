import Testing
@testable import PageOut
#if canImport(Glibc)
import Glibc
#endif

/// Lines of a real `/proc/PID/maps` of `telemetryd run` (debug build on Debian 12), cut down to one of each kind.
let sampleMaps = """
557b625d3000-557b63e22000 r-xp 00000000 fe:00 5753720                    /work/.build/debug/telemetryd
557b63e23000-557b63e94000 r--p 0184f000 fe:00 5753720                    /work/.build/debug/telemetryd
557b63e94000-557b63fac000 rw-p 018c0000 fe:00 5753720                    /work/.build/debug/telemetryd
557b63fac000-557b6402a000 rw-p 00000000 00:00 0 
557b8a3c4000-557b8a3e5000 rw-p 00000000 00:00 0                          [heap]
7ff679e89000-7ff679e8e000 r--p 00000000 fe:00 333360                     /usr/lib/x86_64-linux-gnu/libgpg-error.so.0.33.1
7ff679e8e000-7ff679ea4000 r-xp 00005000 fe:00 333360                     /usr/lib/x86_64-linux-gnu/libgpg-error.so.0.33.1
7ff679eb0000-7ff679eb1000 rw-p 00026000 fe:00 333360                     /usr/lib/x86_64-linux-gnu/libgpg-error.so.0.33.1
7ffd1c9d2000-7ffd1c9f3000 rw-p 00000000 00:00 0                          [stack]
7ffd1c9f3000-7ffd1c9f7000 r--p 00000000 00:00 0                          [vvar]
"""

@Suite struct ProcMapsTests {
    @Test func parsesEveryField() throws {
        let maps = ProcMaps.parse(sampleMaps)
        #expect(maps.count == 10)
        let text = try #require(maps.first)
        #expect(text.start == 0x557b625d3000)
        #expect(text.end == 0x557b63e22000)
        #expect(text.permissions == "r-xp")
        #expect(text.offset == 0)
        #expect(text.device == "fe:00")
        #expect(text.inode == 5753720)
        #expect(text.path == "/work/.build/debug/telemetryd")
        #expect(maps[1].offset == 0x184f000)
        #expect(maps[3].path == "" && !maps[3].isFileBacked)
        #expect(maps[4].path == "[heap]")
        #expect(maps[2].isWritable && !maps[1].isWritable)
    }

    @Test func pathsWithSpacesAndDeletedFilesSurvive() throws {
        let line = "00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/tele metryd (deleted)"
        let m = try #require(ProcMaps.parse(line).first)
        #expect(m.path == "/usr/bin/tele metryd (deleted)")
    }

    @Test func malformedLinesAreSkipped() {
        let text = "garbage\n00400000-zz r-xp 0 08:02 1 /x\n00400000-00452000 r-xp 00000000 08:02 1 /ok\n"
        #expect(ProcMaps.parse(text).map(\.path) == ["/ok"])
    }

    /// `/proc/PID/smaps` of `telemetryd run` (release build), cut down: each kind of mapping once, with the lines the
    /// selection reads and some it skips.
    static let sampleSmaps = """
    55bc3bf1f000-55bc3d6e7000 r-xp 00000000 fe:00 5753720                    /usr/bin/telemetryd
    Size:              24352 kB
    Rss:                3124 kB
    Anonymous:             0 kB
    Swap:                  0 kB
    VmFlags: rd ex mr mw me sd
    55bc3d6e7000-55bc3d79d000 r--p 017c7000 fe:00 5753720                    /usr/bin/telemetryd
    Rss:                 728 kB
    Anonymous:           728 kB
    Swap:                  0 kB
    55bc3d79d000-55bc3da81000 rw-p 0187d000 fe:00 5753720                    /usr/bin/telemetryd
    Rss:                2444 kB
    Anonymous:           208 kB
    55bc3da81000-55bc3db60000 rw-p 00000000 00:00 0 
    Anonymous:           448 kB
    7fa385205000-7fa38535b000 r-xp 00028000 fe:00 333001                     /usr/lib/x86_64-linux-gnu/libc.so.6
    Anonymous:             0 kB
    Swap:                  0 kB
    7fa38535b000-7fa3853ae000 r--p 0017e000 fe:00 333001                     /usr/lib/x86_64-linux-gnu/libc.so.6
    Anonymous:             0 kB
    7fa3853ae000-7fa3853b2000 r--p 001d0000 fe:00 333001                     /usr/lib/x86_64-linux-gnu/libc.so.6
    Anonymous:             0 kB
    7fa3853b2000-7fa3853b4000 rw-p 001d4000 fe:00 333001                     /usr/lib/x86_64-linux-gnu/libc.so.6
    Anonymous:             8 kB
    7fa3853c1000-7fa3853c5000 r--p 00000000 fe:00 333002                     /usr/lib/x86_64-linux-gnu/libswapped.so
    Anonymous:             0 kB
    Swap:                  8 kB
    7fa3853c5000-7fa3853c9000 ---p 00004000 fe:00 333002                     /usr/lib/x86_64-linux-gnu/libswapped.so
    Anonymous:             0 kB
    7fa3853d0000-7fa3853d8000 r--s 00000000 fe:00 333003                     /var/cache/shared.db
    Anonymous:             0 kB
    7ffe88bf3000-7ffe88bf5000 r-xp 00000000 00:00 0                          [vdso]
    Anonymous:             0 kB
    """

    @Test func smapsKeepsTheMappingsAndWhatTheyHoldPrivately() {
        let entries = ProcMaps.parseSmaps(Self.sampleSmaps)
        #expect(entries.count == 12)
        #expect(entries[0].mapping.path == "/usr/bin/telemetryd" && entries[0].mapping.permissions == "r-xp")
        #expect(entries[1].anonymousKiB == 728)
        #expect(entries[2].anonymousKiB == 208 && entries[2].swapKiB == 0)
        #expect(entries[3].mapping.path == "" && entries[3].anonymousKiB == 448)
        #expect(entries[8].swapKiB == 8)
    }

    /// Only pages identical to their file's: the text and read-only data of the binary and of each library. Never a
    /// mapping holding a written (anonymous) or swapped page, a writable one, the RELRO one below a writable mapping
    /// of its file (even when smaps shows nothing private in it), a shared, inaccessible or anonymous one, or the vDSO.
    @Test func selectsTheCleanMappingsOfTheBinaryAndItsLibraries() {
        let clean = ProcMaps.cleanFileMappings(ProcMaps.parseSmaps(Self.sampleSmaps))
        #expect(clean.map(\.start) == [0x55bc3bf1f000, 0x7fa385205000, 0x7fa38535b000])
        #expect(clean.map(\.permissions) == ["r-xp", "r-xp", "r--p"])
    }

    /// The binary's mappings are those of the file (device and inode) of the one holding the address; a library of
    /// the same inode on another device is another file.
    @Test func mappingsOfTheFileContainingAnAddress() {
        let text = """
        00400000-00500000 r-xp 00000000 08:02 7 /usr/bin/telemetryd
        00500000-00510000 r--p 00100000 08:02 7 /usr/bin/telemetryd
        00600000-00610000 r-xp 00000000 08:03 7 /mnt/lib.so
        00700000-00710000 r-xp 00000000 08:02 9 /usr/lib/libc.so.6
        """
        let maps = ProcMaps.parse(text)
        #expect(ProcMaps.mappingsOfFile(containing: 0x400123, in: maps).map(\.start) == [0x400000, 0x500000])
        #expect(ProcMaps.mappingsOfFile(containing: 0x600000, in: maps).map(\.start) == [0x600000])
        #expect(ProcMaps.mappingsOfFile(containing: 0x510000, in: maps).isEmpty)
    }

    @Test func aReadOnlyMappingBelowAnotherFilesWritableOneIsNoRelro() {
        let text = """
        00400000-00500000 r--p 00000000 08:02 7 /usr/lib/a.so
        Anonymous: 0 kB
        00500000-00510000 rw-p 00000000 08:02 8 /usr/lib/b.so
        Anonymous: 4 kB
        00600000-00610000 r--p 00000000 08:03 7 /mnt/a.so
        Anonymous: 0 kB
        00610000-00620000 rw-p 00010000 08:02 7 /usr/lib/a.so
        Anonymous: 4 kB
        """
        let clean = ProcMaps.cleanFileMappings(ProcMaps.parseSmaps(text))
        // /usr/lib/a.so's first mapping ends where b.so's writable one starts: another file, kept. The one on device
        // 08:03 ends where a.so (08:02) is writable: same inode, another device, another file, kept.
        #expect(clean.map(\.start) == [0x400000, 0x600000])
    }
}

@Suite struct PageOutLiveTests {
    /// On this very test process: the selection holds the text of the binary this module's code is in and of libc,
    /// none of it writable, and madvise accepts it (an older kernel's EINVAL is what the daemon would then log).
    /// The process runs on afterwards: nothing it wrote was dropped.
    @Test func pagesOutThisTestProcess() throws {
        guard case .success(let mappings) = PageOut.cleanMappings() else {
            Issue.record("cannot read /proc/self/smaps")
            return
        }
        let code = PageOut.ownCodeAddress()
        #expect(mappings.contains { $0.contains(code) && $0.permissions == "r-xp" })
        #expect(mappings.contains { $0.path.contains("libc.so") && $0.permissions == "r-xp" })
        #expect(mappings.allSatisfy { !$0.isWritable })
        // Read back a page at a time from now on (a hint the kernel always accepts for file mappings).
        #expect(PageOut.readPagesAlone(mappings) == nil)
        let result = PageOut.advise(mappings)
        #expect(result.errno == nil || result.errno == 22)
        if result.errno == nil {
            #expect(result.mappings == mappings.count)
            #expect(result.bytes == mappings.reduce(0) { $0 + Int($1.size) })
        }
        // What was just used of the binary is present again, and locking it keeps it mapped through another page-out
        // that advises around it; advising the locked pages themselves is refused (EINVAL), which is why the daemon
        // advises around them.
        let binary = PageOut.binaryMappings(mappings)
        #expect(binary.contains { $0.contains(code) })
        guard case .success(let present) = PageOut.presentPages(in: binary) else {
            Issue.record("cannot read /proc/self/pagemap")
            return
        }
        let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
        let codePage = (code / pageSize * pageSize)..<(code / pageSize * pageSize + pageSize)
        #expect(present.contains { $0.contains(codePage.lowerBound) })
        #expect(present.allSatisfy { r in binary.contains { $0.contains(r.lowerBound) && r.upperBound <= $0.end } })
        if let code = PageOut.lock([codePage]) {
            #expect(code == EPERM || code == ENOMEM)   // no RLIMIT_MEMLOCK here: the daemon pages out as before
        } else {
            let around = AddressRanges.subtracting([codePage], from: mappings.map { $0.start..<$0.end })
            #expect(PageOut.advise(ranges: around).errno == nil)
            let after = PageOut.presentPages(in: binary)
            #expect((try? after.get())?.contains { $0.contains(codePage.lowerBound) } == true)
            #expect(PageOut.advise(ranges: [codePage]).errno == EINVAL)
            #expect(PageOut.unlock([codePage]) == nil)
            #expect(PageOut.advise(ranges: [codePage]).errno == nil)
        }
        // Still running, with its data intact, after its pages went.
        #expect(ProcMaps.parse("00400000-00452000 r-xp 00000000 08:02 1 /ok").map(\.path) == ["/ok"])
    }
}
