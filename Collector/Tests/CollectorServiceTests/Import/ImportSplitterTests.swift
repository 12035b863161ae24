import CollectorService
import Testing

@Suite struct ImportSplitterTests {
    typealias Piece = ImportSplitter.Piece

    /// Whole input at once.
    func split(_ s: String, maxBodyBytes: Int = 1 << 20) -> [(Int, String)] {
        ImportSplitter.reports(in: Array(s.utf8), maxBodyBytes: maxBodyBytes).map(Self.show)
    }

    /// `chunk` bytes at a time.
    func split(_ s: String, chunk: Int, maxBodyBytes: Int = 1 << 20) -> [(Int, String)] {
        var splitter = ImportSplitter(maxBodyBytes: maxBodyBytes)
        let bytes = Array(s.utf8)
        var out: [Piece] = []
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            out += splitter.feed(bytes[start..<min(bytes.count, start + chunk)])
        }
        return (out + splitter.finish()).map(Self.show)
    }

    static func show(_ p: Piece) -> (Int, String) {
        switch p {
        case .body(let line, let bytes): (line, String(decoding: bytes, as: UTF8.self))
        case .tooLarge(let line, let n): (line, "<\(n) bytes>")
        }
    }

    @Test func jsonLinesWithBlanksAndCRLF() {
        let r = split("{\"a\":1}\r\n\n{\"b\":2}\n")
        #expect(r.map(\.0) == [1, 3])
        #expect(r.map(\.1) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test(arguments: [1, 2, 3, 5, 8, 1000])
    func linesCutAcrossChunksComeOutWhole(chunk: Int) {
        let text = "{\"a\":1}\r\n\n{\"bb\":22}\n  \n{\"c\":[1,2,3]}"
        let r = split(text, chunk: chunk)
        #expect(r.map(\.0) == [1, 3, 5])
        // The last line has no newline and still counts.
        #expect(r.map(\.1) == ["{\"a\":1}", "{\"bb\":22}", "{\"c\":[1,2,3]}"])
    }

    @Test(arguments: [1, 4, 64])
    func aLineLongerThanMaxBodyBytesIsNotKeptOnlyMeasured(chunk: Int) {
        let long = "{\"x\":\"" + String(repeating: "y", count: 40) + "\"}"
        let r = split("{\"a\":1}\n" + long + "\r\n{\"b\":2}\n" + long, chunk: chunk, maxBodyBytes: 20)
        #expect(r.map(\.0) == [1, 2, 3, 4])
        #expect(r.map(\.1) == ["{\"a\":1}", "<48 bytes>", "{\"b\":2}", "<48 bytes>"])
        // Exactly MaxBodyBytes, with a CR: kept.
        #expect(split("{\"x\":\"123456789012\"}\r\n", chunk: chunk, maxBodyBytes: 20).map(\.1) == ["{\"x\":\"123456789012\"}"])
        #expect(split("{\"x\":\"1234567890123\"}\r\n", chunk: chunk, maxBodyBytes: 20).map(\.1) == ["<21 bytes>"])
    }

    @Test(arguments: [1, 3, 1000])
    func onePrettyPrintedReport(chunk: Int) {
        let text = "\n{\n  \"a\": 1,\n  \"b\": [1,\n 2]\n}\n"
        let r = split(text, chunk: chunk)
        #expect(r.count == 1)
        #expect(r.first?.0 == 2)
        #expect(r.first?.1 == text)
    }

    @Test func aPrettyPrintedInputLargerThanMaxBodyBytesIsJudgedByLine() {
        // Kept whole only up to MaxBodyBytes: beyond, it cannot be one report anyway.
        let text = "{\n  \"a\": \"" + String(repeating: "z", count: 30) + "\"\n}\n"
        #expect(split(text, chunk: 4, maxBodyBytes: 30).map(\.0) == [1, 2, 3])
    }

    @Test func brokenLinesStayLines() {
        // Not one object either: each line is judged (and rejected) on its own.
        #expect(split("{\"a\":\nnonsense\n").count == 2)
        #expect(split("{\"a\":\nnonsense\n", chunk: 2).count == 2)
    }

    @Test func nothingButBlanksIsNoReport() {
        #expect(split(" \n\r\n\t").isEmpty)
        #expect(split("", chunk: 3).isEmpty)
    }
}
