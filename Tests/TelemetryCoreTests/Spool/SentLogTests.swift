import Foundation
import Testing
@testable import TelemetryCore

@Suite struct SentLogTests {
    @Test func keepsTheNewestBodiesByteForByte() throws {
        let dir = NSTemporaryDirectory() + "telemetryd-sent-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = SentLog(stateDirectory: dir, keep: 3)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var paths: [String] = []
        for i in 0..<5 {
            let body = Array(#"{"n":\#(i)}"#.utf8)
            paths.append(try log.record(body: body, type: i % 2 == 0 ? .keepalive : .diagnostics,
                                        messageId: "id-\(i)", at: start.addingTimeInterval(Double(i))))
        }
        let names = log.entries()
        #expect(names.count == 3)
        #expect(names.first?.contains("-keepalive-") == true)
        #expect(!FileManager.default.fileExists(atPath: paths[0]))
        let newest = try #require(FileManager.default.contents(atPath: paths[4]))
        #expect(Array(newest) == Array(#"{"n":4}"#.utf8))
    }

    @Test func messageIdCannotEscapeTheDirectory() throws {
        let dir = NSTemporaryDirectory() + "telemetryd-sent-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try SentLog(stateDirectory: dir).record(body: [1], type: .keepalive, messageId: "../../etc/passwd")
        #expect(path.hasPrefix(dir + "/sent/"))
        #expect(!path.dropFirst(dir.count + 6).contains("/"))
    }
}
