import Foundation
import Testing
import TestSupport
import TelemetryCore

/// `systemd/telemetryd.catalog` documents every `TelemetryEvent` and nothing else.
@Suite struct CatalogTests {
    struct Block {
        var id: String
        var headers: [String: String]
        var body: String
    }

    /// The package root: the nearest directory above this file holding Package.swift.
    static func packageRoot() throws -> URL { try repositoryRoot() }

    static func blocks() throws -> [Block] {
        let url = try packageRoot().appendingPathComponent("systemd/telemetryd.catalog")
        let text = try String(contentsOf: url, encoding: .utf8)
        var blocks: [Block] = []
        var current: Block?
        var inHeaders = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-- ") {
                if let current { blocks.append(current) }
                current = Block(id: String(line.dropFirst(3)), headers: [:], body: "")
                inHeaders = true
                continue
            }
            guard var block = current else { continue }  // comments before the first block
            if inHeaders, !line.isEmpty, let colon = line.firstIndex(of: ":") {
                block.headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            } else {
                inHeaders = false
                block.body += line + "\n"
            }
            current = block
        }
        if let current { blocks.append(current) }
        return blocks
    }

    @Test func everyEventHasExactlyOneBlockAndNoStrayBlocks() throws {
        let ids = try Self.blocks().map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate catalog IDs")
        let expected = Set(TelemetryEvent.allCases.map(\.messageID))
        let missing = TelemetryEvent.allCases.filter { !ids.contains($0.messageID) }
        #expect(missing.isEmpty, "no catalog block for \(missing)")
        let stray = ids.filter { !expected.contains($0) }
        #expect(stray.isEmpty, "catalog blocks for no TelemetryEvent: \(stray)")
    }

    @Test func idsAre32LowerCaseHexAndUnique() throws {
        let hex = Set("0123456789abcdef")
        for id in try Self.blocks().map(\.id) {
            #expect(id.count == 32 && id.allSatisfy { hex.contains($0) }, "bad catalog ID \(id)")
        }
        let eventIDs = TelemetryEvent.allCases.map(\.messageID)
        #expect(Set(eventIDs).count == eventIDs.count, "two TelemetryEvents share a MESSAGE_ID")
        for id in eventIDs {
            #expect(id.count == 32 && id.allSatisfy { hex.contains($0) }, "bad MESSAGE_ID \(id)")
        }
    }

    @Test func everyBlockHasSubjectDefinedBySupportAndABody() throws {
        for block in try Self.blocks() {
            #expect(!(block.headers["Subject"] ?? "").isEmpty, "\(block.id): no Subject")
            #expect(block.headers["Defined-By"] == "telemetryd", "\(block.id): Defined-By")
            #expect(block.headers["Support"] == "file:///usr/share/doc/telemetryd/README.md", "\(block.id): Support")
            #expect(block.body.trimmingCharacters(in: .whitespacesAndNewlines).count > 40, "\(block.id): body too short")
        }
    }

    /// Report events reference the report fields the journal handler sets on them.
    @Test func reportBlocksNameTheReportType() throws {
        let blocks = try Self.blocks()
        for result in ReportResult.allCases {
            let id = TelemetryEvent.report(result).messageID
            let block = try #require(blocks.first { $0.id == id })
            #expect(block.body.contains("@TELEMETRY_TYPE@"), "\(result): body does not name @TELEMETRY_TYPE@")
        }
    }
}
