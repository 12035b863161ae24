import Foundation
import Testing
import TelemetryWire

@Suite struct NullWritingEncodingTests {
    struct Inner: Encodable, Equatable {
        var n: Int?
        func encode(to encoder: any Encoder) throws { try NullWritingEncoding.encode(self, to: encoder) }
    }

    struct Sample: Encodable {
        var name: String
        var missing: String?
        var present: Int?
        var inner: Inner
        var list: [Int]
        var textOnly: Int
        func encode(to encoder: any Encoder) throws {
            try NullWritingEncoding.encode(self, to: encoder, omitting: ["textOnly"])
        }
    }

    func json(_ value: some Encodable) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    @Test func absentValuesAreNullAndEveryOtherPropertyIsEncodedUnderItsName() throws {
        let s = Sample(name: "a", missing: nil, present: 3, inner: Inner(n: nil), list: [1], textOnly: 9)
        #expect(try json(s) == #"{"inner":{"n":null},"list":[1],"missing":null,"name":"a","present":3}"#)
    }

    @Test func reportPartsWriteEveryKey() throws {
        #expect(try json(OSInfo()) == #"{"arch":null,"id":null,"kernel":null,"prettyName":null,"versionId":null}"#)
        #expect(try json(MemoryInfo(totalBytes: 1)) ==
                #"{"availableBytes":null,"hostTotalBytes":null,"swapFreeBytes":null,"swapTotalBytes":null,"totalBytes":1}"#)
        let cpu = try JSONSerialization.jsonObject(with: Data(try json(CPUInfo()).utf8)) as? [String: Any]
        #expect(Set(cpu?.keys ?? [:].keys) == ["model", "logicalCores", "load1", "load5", "load15", "hostLogicalCores"])
    }
}
