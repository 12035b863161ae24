import Foundation
import Testing
@testable import TelemetryCore
import FileSupport

@Suite("The daemon's recorded decision")
struct DaemonRecordTests {
    @Test func startTimeIsCountedFromTheLastParenthesis() {
        let line = "43 (tele metry) d) S 1 43 43 0 -1 4194560 1631 34 0 0 8 5 0 0 20 0 3 0 250293 206548992 8154"
        #expect(DaemonRecord.parseStartTime(line) == 250293)
        #expect(DaemonRecord.parseStartTime("43 (short) S 1") == nil)
        #expect(DaemonRecord.parseStartTime("garbage") == nil)
    }

    @Test func liveOnlyForTheSameProcess() throws {
        let pid = getpid()
        let start = try #require(DaemonRecord.processStart(pid: pid))
        func record(pid: Int32, start: UInt64) -> DaemonRecord {
            DaemonRecord(enabled: .init(false, setBy: "$DO_NOT_TRACK"), dryRun: false,
                         endpoint: .init("https://c.example/v1", setBy: "/etc/telemetryd/telemetry.conf:2"),
                         configFiles: [], pid: pid, processStart: start, startedAt: Date(), decidedAt: Date())
        }
        #expect(record(pid: pid, start: start).isLive())
        #expect(!record(pid: pid, start: start + 1).isLive(), "a later process with the same PID")
        #expect(!record(pid: Int32.max, start: start).isLive(), "no such process")
    }

    @Test func roundTripsThroughTheStateDirectory() throws {
        let dir = NSTemporaryDirectory() + "telemetryd-record-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.makeDirectory(dir)
        #expect(try DaemonRecord.load(stateDirectory: dir) == nil)
        let r = DaemonRecord(enabled: .init(true, setBy: "built-in default"), dryRun: true,
                             endpoint: .init("https://c.example/v1", setBy: "built-in default"), configFiles: ["/a.conf"],
                             reloadError: "/a.conf:3: bad", pid: 7, processStart: 9,
                             startedAt: Date(timeIntervalSince1970: 1_800_000_000), decidedAt: Date(timeIntervalSince1970: 1_800_000_060))
        try r.write(stateDirectory: dir)
        #expect(try DaemonRecord.load(stateDirectory: dir) == r)
        try AtomicFile.write(Array("[]".utf8), to: DaemonRecord.path(stateDirectory: dir))
        #expect(throws: FileError.self) { try DaemonRecord.load(stateDirectory: dir) }
    }
}
