import CollectorSummary
import CollectorHTTP
import Testing

@Suite struct ReadQueryTests {
    func parse(days: String? = nil, product: String? = nil, version: String? = nil) -> Result<ReadQuery, ReadQuery.Invalid> {
        ReadQuery.parse(days: days, product: product, version: version)
    }

    @Test func defaultsAndWellFormedValues() throws {
        #expect(try parse().get() == ReadQuery(days: 30, filter: .all))
        #expect(try parse(days: "7", product: "acme-db", version: "4.2.1").get()
                == ReadQuery(days: 7, filter: SummaryFilter(product: "acme-db", version: "4.2.1")))
        // Empty is no filter (a form's "all products").
        #expect(try parse(product: "", version: "").get().filter == .all)
        // A version label may be a reserved word in quotes, spaces and any script: it is text, as reports send it.
        #expect(try parse(version: "\"other\"").get().filter.version == "\"other\"")
        #expect(try parse(version: "1.0 beta (ünïcode) <b>").get().filter.version == "1.0 beta (ünïcode) <b>")
        #expect(try parse(product: String(repeating: "a", count: 64)).get().filter.product?.count == 64)
        #expect(try parse(version: String(repeating: "v", count: 66)).get().filter.version?.count == 66)
    }

    @Test func establishedIsOneOrZero() throws {
        #expect(try ReadQuery.parse(days: nil, product: nil, version: nil, established: "1").get().filter == SummaryFilter(established: true))
        for off in [nil, "", "0"] as [String?] {
            #expect(try ReadQuery.parse(days: nil, product: nil, version: nil, established: off).get().filter == .all)
        }
        // Anything else would be another cache key for the same answer.
        for bad in ["true", "yes", "01", "2", " 1", "1\u{0}"] {
            guard case .failure(let reason) = ReadQuery.parse(days: nil, product: nil, version: nil, established: bad) else {
                Issue.record("accepted established=\(bad)")
                continue
            }
            #expect(reason.description.hasPrefix("established"))
            if bad.count > 2 { #expect(!reason.description.contains(bad)) }
        }
    }

    @Test(arguments: [
        (nil, "acme db", nil), (nil, "-acme", nil), (nil, "acme/db", nil), (nil, "<script>", nil),
        (nil, String(repeating: "a", count: 65), nil), (nil, "acmé", nil),
        (nil, nil, String(repeating: "v", count: 67)), (nil, nil, "1.2.3\u{200B}"), (nil, nil, "1.2\u{0}"),
        (nil, nil, "4.2\u{202E}1"), (nil, nil, "4.2\n1"),
        ("0", nil, nil), ("3661", nil, nil), ("x", nil, nil),
    ] as [(String?, String?, String?)])
    func refused(_ days: String?, _ product: String?, _ version: String?) {
        guard case .failure(let reason) = parse(days: days, product: product, version: version) else {
            Issue.record("accepted \(String(describing: days)) \(String(describing: product)) \(String(describing: version))")
            return
        }
        // The reason says which parameter and never echoes the value.
        let which = days != nil ? "days" : product != nil ? "product" : "version"
        #expect(reason.description.hasPrefix(which))
        if let v = product ?? version { #expect(!reason.description.contains(v)) }
    }
}
