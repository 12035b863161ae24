import Foundation
import Testing
import TestSupport
@testable import TelemetryCore
import TelemetryWire
import FileSupport

private func tempDir(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    try TemporaryDirectories.make("spooltest", sourceLocation: sourceLocation)
}

private func report(_ type: ReportType = .keepalive, id: String = UUID().uuidString.lowercased()) -> Report {
    Report(messageId: id, type: type, timestamp: Date(timeIntervalSince1970: 1_795_000_000), instanceId: "i", clusterId: "c",
           agent: Agent(version: "0.1.0"), data: .keepalive(KeepAliveData(uptimeSec: 5, agentUptimeSec: 1)))
}

@Suite(.removesTemporaryDirectories) struct DeliverySpoolTests {
    @Test func entryNamesSortOldestFirstAndRoundTrip() {
        let a = SpoolEntry(spooledAtMs: 9, type: .keepalive, messageId: "0a-1")
        let b = SpoolEntry(spooledAtMs: 10, type: .diagnostics, messageId: "0b")
        #expect(a.fileName == "000000000000009-keepalive-0a-1.json")
        #expect(a.fileName < b.fileName)
        #expect(SpoolEntry(fileName: a.fileName) == a)
        #expect(SpoolEntry(fileName: "9-keepalive-0a.json") == nil)
        #expect(SpoolEntry(fileName: "000000000000009-other-0a.json") == nil)
        #expect(SpoolEntry(fileName: "000000000000009-keepalive-../x.json") == nil)
        #expect(SpoolEntry(fileName: "000000000000009-keepalive-0a.json.tmp.12") == nil)
    }

    @Test func enqueueWritesExactJSONAndLoadsItBack() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        let r = report()
        let dropped = try spool.enqueue(r, maxReports: 10)
        #expect(dropped.isEmpty)
        let entries = spool.entries()
        #expect(entries.count == 1)
        #expect(entries[0].messageId == r.messageId)
        let loaded = try #require(spool.load(entries[0]))
        #expect(loaded.0 == r)
        #expect(loaded.body == Array(try r.jsonData()))
        #expect(Spool.pendingCount(stateDirectory: dir) == 1)
        try spool.remove(entries[0])
        #expect(spool.entries().isEmpty)
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
    }

    @Test func orderIsStrictlyOldestFirstEvenWithinOneMillisecond() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let ids = (0..<5).map { _ in UUID().uuidString.lowercased() }
        for id in ids { try spool.enqueue(report(id: id), maxReports: 100, now: now) }
        #expect(spool.entries().map(\.messageId) == ids)
    }

    @Test func overflowDropsTheOldestAndReturnsThem() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        let ids = (0..<5).map { _ in UUID().uuidString.lowercased() }
        var dropped: [SpoolEntry] = []
        for id in ids { dropped += try spool.enqueue(report(id: id), maxReports: 3) }
        #expect(dropped.map(\.messageId) == Array(ids.prefix(2)))
        #expect(spool.entries().map(\.messageId) == Array(ids.suffix(3)))
    }

    @Test func damagedFilesAreDeletedWithAReasonNeverCrash() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        try spool.enqueue(report(), maxReports: 10)
        // A truncated report under a valid name, a stray file, a leftover temp file of another process.
        let bad = SpoolEntry(spooledAtMs: 1, type: .keepalive, messageId: "dead-beef")
        try Array("{\"schemaVersion\":1,".utf8).write(to: spool.path(of: bad))
        try Array("x".utf8).write(to: spool.directory + "/notes.txt")
        try Array("x".utf8).write(to: spool.directory + "/000000000000002-keepalive-ab.json.tmp.999999")
        let scan = spool.scan()
        #expect(scan.entries.count == 2)
        #expect(Set(scan.discarded.map(\.fileName)) == ["notes.txt", "000000000000002-keepalive-ab.json.tmp.999999"])
        guard case .discarded(let d) = spool.loadChecked(bad) else {
            Issue.record("a truncated report must be discarded")
            return
        }
        #expect(d.reason.contains("not a valid report"))
        #expect(spool.entries().count == 1)
        #expect(spool.loadChecked(bad) == .missing)
    }

    @Test func mismatchedContentIsDiscarded() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        try AtomicFile.makeDirectory(spool.directory)
        let liar = SpoolEntry(spooledAtMs: 1, type: .keepalive, messageId: "abc")
        try Array(try report(id: "def").jsonData()).write(to: spool.path(of: liar))
        #expect(spool.load(liar) == nil)
        #expect(spool.entries().isEmpty)
    }

    @Test func purgeDeletesEverything() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        for _ in 0..<4 { try spool.enqueue(report(), maxReports: 10) }
        #expect(spool.purge() == 4)
        #expect(spool.entries().isEmpty)
        #expect(Spool.pendingCount(stateDirectory: dir) == 0)
        #expect(spool.purge() == 0)
    }

    @Test func addReturnsWhatItsScanDeleted() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        try spool.enqueue(report(), maxReports: 10)
        try Array("x".utf8).write(to: spool.directory + "/stray.txt")
        try Array("x".utf8).write(to: spool.directory + "/000000000000001-keepalive-0a.json.tmp.1")
        let added = try spool.add(body: Array(try report().jsonData()), type: .keepalive, messageId: "0b", maxReports: 10)
        #expect(added.discarded.map(\.fileName).sorted() == ["000000000000001-keepalive-0a.json.tmp.1", "stray.txt"])
        #expect(spool.entries().count == 2)
    }

    @Test func missingDirectoryIsAnEmptySpool() {
        let spool = Spool(stateDirectory: "/nonexistent-\(UUID().uuidString)")
        #expect(spool.entries().isEmpty)
        #expect(Spool.pendingCount(stateDirectory: "/nonexistent") == 0)
        #expect(spool.purge() == 0)
    }

    @Test func unwritableStateDirectoryThrowsAFileError() throws {
        let dir = try tempDir()
        try Array("file".utf8).write(to: dir + "/spool")  // a file where the directory should be
        let spool = Spool(stateDirectory: dir)
        #expect(throws: FileError.self) { try spool.enqueue(report(), maxReports: 10) }
    }
}

extension Array where Element == UInt8 {
    fileprivate func write(to path: String) throws {
        try Data(self).write(to: URL(fileURLWithPath: path))
    }
}

/// What the tests need on top of the engine's API.
extension Spool {
    /// Encodes and adds `report`; returns the dropped entries.
    @discardableResult
    func enqueue(_ report: Report, maxReports: Int, now: Date = Date()) throws -> [SpoolEntry] {
        try add(body: Array(try report.jsonData()), type: report.type, messageId: report.messageId, maxReports: maxReports, now: now).dropped
    }

    /// The report and its exact bytes; nil when gone or damaged.
    func load(_ entry: SpoolEntry) -> (Report, body: [UInt8])? {
        if case .report(let r, let body) = loadChecked(entry) { return (r, body) }
        return nil
    }
}

private func forgetReport(id: String = UUID().uuidString.lowercased()) -> Report {
    let key = ErasureKey.random()
    return Report(messageId: id, type: .forget, timestamp: Date(timeIntervalSince1970: 1_795_000_000), instanceId: "i", clusterId: "c",
                  erasureKeyHash: key.hashHex, agent: Agent(version: "0.1.0"), data: .forget(ForgetData(erasureKey: key.hex)))
}

/// The request to erase this install outlives what deletes or bounds the other reports.
@Suite(.removesTemporaryDirectories) struct SpoolForgetTests {
    @Test func theOptOutPurgeKeepsForgetReportsAndDeletesTheRest() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        try spool.enqueue(report(), maxReports: 10)
        let forget = forgetReport()
        try spool.enqueue(forget, maxReports: 10)
        try spool.enqueue(report(.keepalive), maxReports: 10)
        #expect(spool.purge() == 2)
        #expect(spool.entries().map(\.messageId) == [forget.messageId])
        #expect(spool.load(try #require(spool.entries().first))?.0 == forget)
        #expect(Spool.pendingCount(stateDirectory: dir) == 1)
    }

    @Test func theBoundDropsTheOldestOtherReportNeverAForgetReport() throws {
        let dir = try tempDir()
        let spool = Spool(stateDirectory: dir)
        let forget = forgetReport()
        try spool.enqueue(forget, maxReports: 3)
        let ids = (0..<4).map { _ in UUID().uuidString.lowercased() }
        var dropped: [SpoolEntry] = []
        for id in ids { dropped += try spool.enqueue(report(id: id), maxReports: 3) }
        #expect(dropped.map(\.messageId) == Array(ids.prefix(2)))
        #expect(spool.entries().map(\.messageId) == [forget.messageId] + ids.suffix(2))
        // With only forget reports left to drop, the bound gives way rather than the request.
        let second = forgetReport()
        try spool.enqueue(second, maxReports: 1)
        #expect(spool.entries().map(\.messageId) == [forget.messageId, second.messageId])
    }
}
