import CollectorService
import Testing

@Suite struct ImportSplitterTests {
    func split(_ s: String) -> [(Int, String)] {
        ImportSplitter.reports(in: Array(s.utf8)).map { ($0.line, String(decoding: $0.body, as: UTF8.self)) }
    }

    @Test func jsonLinesWithBlanksAndCRLF() {
        let r = split("{\"a\":1}\r\n\n{\"b\":2}\n")
        #expect(r.map(\.0) == [1, 3])
        #expect(r.map(\.1) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test func onePrettyPrintedReport() {
        let r = split("{\n  \"a\": 1,\n  \"b\": [1,\n 2]\n}\n")
        #expect(r.count == 1)
        #expect(r.first?.0 == 1)
    }

    @Test func brokenLinesStayLines() {
        // Not one object either: each line is judged (and rejected) on its own.
        #expect(split("{\"a\":\nnonsense\n").count == 2)
    }
}
