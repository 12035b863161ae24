import Testing
@testable import PageOut

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

    @Test func selectsOnlyTheOwnBinarysCleanMappings() {
        let maps = ProcMaps.parse(sampleMaps)
        // An address in the executable's text: its r-xp mapping; not its RELRO r--p (directly below its rw-p),
        // not its writable data, not libraries.
        let own = ProcMaps.cleanMappings(ofFileContaining: 0x557b625d3000 + 0x1000, in: maps)
        #expect(own.map(\.start) == [0x557b625d3000])
        // An address in a library selects that library instead (the caller passes its own code's address); its
        // read-only data before the text is clean and kept.
        let lib = ProcMaps.cleanMappings(ofFileContaining: 0x7ff679e8e000, in: maps)
        #expect(lib.map(\.permissions) == ["r--p", "r-xp"])
        // Anonymous memory or an unmapped address selects nothing.
        #expect(ProcMaps.cleanMappings(ofFileContaining: 0x557b8a3c4000, in: maps).isEmpty)
        #expect(ProcMaps.cleanMappings(ofFileContaining: 0x10, in: maps).isEmpty)
    }

    @Test func separateReadOnlyDataBeforeTheTextIsKept() {
        // lld's layout (-z separate-code): rodata, text, RELRO, data.
        let text = """
        00400000-00500000 r--p 00000000 08:02 7 /usr/bin/telemetryd
        00500000-00900000 r-xp 00100000 08:02 7 /usr/bin/telemetryd
        00900000-00950000 r--p 00500000 08:02 7 /usr/bin/telemetryd
        00950000-00960000 rw-p 00550000 08:02 7 /usr/bin/telemetryd
        """
        let own = ProcMaps.cleanMappings(ofFileContaining: 0x600000, in: ProcMaps.parse(text))
        #expect(own.map(\.start) == [0x400000, 0x500000])
    }

    @Test func sameInodeOnAnotherDeviceIsAnotherFile() {
        let text = """
        00400000-00452000 r-xp 00000000 08:02 42 /usr/bin/telemetryd
        00500000-00552000 r--p 00000000 08:03 42 /mnt/other
        """
        let own = ProcMaps.cleanMappings(ofFileContaining: 0x400000, in: ProcMaps.parse(text))
        #expect(own.map(\.path) == ["/usr/bin/telemetryd"])
    }
}

@Suite struct PageOutLiveTests {
    /// On this very test process: the own-binary selection finds this module's code, and madvise accepts it (Linux
    /// 5.4 and later; an older kernel answers EINVAL, which is what the daemon then logs).
    @Test func pagesOutThisTestBinary() throws {
        guard case .success(let text) = PageOut.readProcFile("/proc/self/maps") else {
            Issue.record("cannot read /proc/self/maps")
            return
        }
        let own = ProcMaps.cleanMappings(ofFileContaining: PageOut.ownCodeAddress(), in: ProcMaps.parse(text))
        #expect(own.contains { $0.permissions == "r-xp" })
        let result = PageOut.ownBinary()
        #expect(result.errno == nil || result.errno == 22)
        if result.errno == nil {
            #expect(result.mappings == own.count)
            #expect(result.bytes == own.reduce(0) { $0 + Int($1.size) })
        }
    }
}
