@testable import CollectorDashboard
import Testing

/// RFC 4180 quoting, the formula guard on text from reports, and numbers as numbers.
@Suite struct CSVTests {
    @Test func quotingFollowsRFC4180() {
        #expect(CSV.row([.text("plain"), .int(3)]) == "plain,3\r\n")
        #expect(CSV.row([.text("a,b"), .text("say \"hi\""), .text("two\nlines"), .text("cr\rx")])
                == "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\"\r\n")
        #expect(CSV.row([.empty, .text(""), .empty]) == ",,\r\n")
        #expect(CSV.header(["date", "active"]) == "date,active\r\n")
    }

    @Test(arguments: [
        ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""),
        ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"), ("\r=1", "\"'\r=1\""),
        ("=1,2", "\"'=1,2\""),
        // Only the first character counts; a label with = inside is text already.
        ("4.2=1", "4.2=1"), ("debian 12", "debian 12"), ("'quoted", "'quoted"),
    ])
    func aTextThatASpreadsheetWouldRunIsGuarded(_ text: String, _ field: String) {
        #expect(CSV.row([.text(text)]) == field + "\r\n")
    }

    @Test func numbersStayNumbers() {
        #expect(CSV.row([.int(-5), .number(3), .number(0.25), .number(-1.5), .number(.nan), .number(.infinity), .number(1e20)])
                == "-5,3,0.25,-1.5,,,1e+20\r\n")
        #expect(CSV.row([.number(2.0 / 3.0)]) == "0.6666666666666666\r\n")
    }
}
