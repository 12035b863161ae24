import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire
import FileSupport

/// state.json: the schedule and the last results, read and updated under its lock.
@Suite struct DeliveryStateStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func stateRoundTripsAndRecordsResults() throws {
        let dir = NSTemporaryDirectory() + "telemetryd-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = DeliveryStateStore(stateDirectory: dir)
        #expect(try store.load() == DeliveryState())
        try store.update { $0.lastScheduled[ReportType.keepalive.rawValue] = now }
        try store.update {
            $0.record(SendRecord(at: now, result: .retrying, httpStatus: 503, messageId: "m1", detail: "HTTP 503"), for: .diagnostics)
            $0.record(SendRecord(at: now.addingTimeInterval(30), result: .sent, httpStatus: 200, messageId: "m1"), for: .diagnostics)
        }
        let state = try store.load()
        #expect(state.lastScheduled(.keepalive) == now)
        #expect(state.lastScheduled(.diagnostics) == nil)
        #expect(state.lastResult(.diagnostics)?.result == .sent)
        #expect(state.lastSent(.diagnostics) == now.addingTimeInterval(30))
        #expect(state.lastSent(.keepalive) == nil)
    }

    @Test func aBrokenStateFileIsAnErrorAndNeverOverwritten() throws {
        let dir = NSTemporaryDirectory() + "telemetryd-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.makeDirectory(dir)
        let store = DeliveryStateStore(stateDirectory: dir)
        try AtomicFile.write(Array("{not json".utf8), to: store.path)
        let error = #expect(throws: FileError.self) { try store.load() }
        #expect(error?.description.hasPrefix("decode \(store.path): not a state file") == true)
        #expect(throws: FileError.self) { try store.update { $0.lastScheduled["keepalive"] = now } }
        #expect(try AtomicFile.read(store.path) == Array("{not json".utf8), "update must not replace what it could not read")
        // A file with only some of the keys (an older version) keeps what it has.
        try AtomicFile.write(Array(#"{"lastScheduled":{"keepalive":"2027-01-15T08:00:00Z"}}"#.utf8), to: store.path)
        #expect(try store.load().lastScheduled(.keepalive) != nil)
        #expect(try store.load().nextDue.isEmpty)
    }

    /// What `telemetryd send` run as root leaves in a state directory owned by the daemon's (dynamic) user: files
    /// and the lock owned by that user, so the daemon can still read them.
    @Test(.enabled(if: geteuid() == 0, "needs root to chown"))
    func rootWritesGiveFilesToTheDirectoryOwner() throws {
        let dir = NSTemporaryDirectory() + "telemetryd-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.makeDirectory(dir)
        #expect(chown(dir, 65534, 65534) == 0)
        let store = DeliveryStateStore(stateDirectory: dir)
        try store.update { $0.lastScheduled["keepalive"] = now }
        try SentLog(stateDirectory: dir).record(body: Array("{}".utf8), type: .keepalive, messageId: "0a-1b")
        for name in [DeliveryStateStore.fileName, DeliveryStateStore.lockName, SentLog.directoryName] {
            var st = stat()
            #expect(stat(dir + "/" + name, &st) == 0)
            #expect(st.st_uid == 65534 && st.st_gid == 65534, "\(name) is owned by \(st.st_uid):\(st.st_gid)")
        }
    }
}
