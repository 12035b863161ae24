import Foundation
@testable import ReportValidation
import Testing
import TelemetryWire

/// `Report.init(document:)` against the second JSONDecoder pass it replaced, kept here as the oracle: the same
/// `Report` (to the byte of its JSON) or the same failure in the same words, over the fixtures and systematically
/// mutated reports; and the whole validator against the validator as it was, answer for answer.
@Suite struct ReportDocumentTests {
    let validator: ReportValidator

    init() throws { validator = try ReportValidator() }

    // MARK: The oracle: the code this replaced

    /// The report as JSONDecoder read it from the document's minimal form, or the failure as the validator worded it.
    static func oracle(_ document: JSONValue) -> Decoded {
        do { return .report(try Report.makeDecoder().decode(Report.self, from: Data(document.minimalJSON.utf8))) } catch {
            return .failure(describe(error))
        }
    }

    enum Decoded: Equatable {
        case report(Report)
        case failure(String)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c), DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: "/")
            return "/\(path): \(c.debugDescription)"
        case DecodingError.keyNotFound(let key, let c):
            return "/\(c.codingPath.map(\.stringValue).joined(separator: "/")): missing \"\(key.stringValue)\""
        default:
            return "\(error)"
        }
    }

    static func fast(_ document: JSONValue) -> Decoded {
        do throws(ReportShapeError) { return .report(try Report(document: document)) } catch { return .failure(error.description) }
    }

    /// `ReportValidator.validate` as it was before `Report.init(document:)`, word for word.
    static func legacyValidate(_ validator: ReportValidator, _ body: [UInt8]) -> Result<ValidatedReport, ReportRejection> {
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure(ReportRejection(reason: "the body is not UTF-8 text"))
        }
        let document: JSONValue
        do { document = try JSONValue.parse(body, maxDepth: ReportValidator.maxDepth) } catch {
            return .failure(ReportRejection(reason: "the body is \(error)"))
        }
        guard case .object(let top) = document else {
            return .failure(ReportRejection(reason: "the body is JSON but not an object; a report is one JSON object"))
        }
        if let v = top["schemaVersion"]?.number, v > Double(Report.currentSchemaVersion) {
            return .failure(ReportRejection(reason: "schemaVersion \(JSONValue.format(v)) is newer than this collector understands (\(Report.currentSchemaVersion)); upgrade telemetry-collector"))
        }
        if let found = document.firstControlOrFormat() {
            return .failure(ReportRejection(reason: "the report does not match report-v1", violations: [found.violation]))
        }
        let violations = validator.schema.validate(document)
        guard violations.isEmpty else {
            return .failure(ReportRejection(reason: "the report does not match report-v1", violations: violations))
        }
        let minimal = document.minimalJSON
        let minimalData = Data(minimal.utf8)
        let report: Report
        do { report = try Report.makeDecoder().decode(Report.self, from: minimalData) } catch {
            struct Timestamp: Decodable { var timestamp: Date }
            if (try? Report.makeDecoder().decode(Timestamp.self, from: minimalData)) == nil {
                return .failure(ReportRejection(reason: "the report does not match report-v1",
                                                violations: [SchemaViolation(path: "/timestamp", message: "not a date and time that exists")]))
            }
            return .failure(ReportRejection(reason: "the report does not match report-v1: \(describe(error))"))
        }
        var facts: [String: ReportedFact]?
        var counters: [String: Int] = [:]
        var presented: String?
        if case .forget(let f) = report.data {
            guard let hash = ErasureHash.ofKey(hex: f.erasureKey) else {
                return .failure(ReportRejection(reason: "the report does not match report-v1",
                                                violations: [SchemaViolation(path: "/data/erasureKey", message: "not 64 hex digits")]))
            }
            presented = hash
        }
        if case .diagnostics(let d) = report.data {
            facts = d.facts.map(ReportValidator.facts)
            for (name, n) in d.counters ?? [:] {
                if let label = ReservedLabels.label(name) { counters[label] = n }
            }
        }
        return .success(ValidatedReport(messageId: report.messageId, type: report.type, timestamp: report.timestamp,
                                        instanceId: report.instanceId, clusterId: report.clusterId,
                                        breakdown: ReportValidator.breakdown(report),
                                        product: ReservedLabels.label(report.product?.name),
                                        facts: facts, counters: counters,
                                        json: presented == nil ? minimal : "",
                                        erasureKeyHash: report.erasureKeyHash, presentedKeyHash: presented))
    }

    // MARK: The corpus

    static let key = String(repeating: "ab", count: 32)

    /// Reports as the daemon writes them: every type, with and without product, facts, counters and nulls.
    static func seeds() throws -> [JSONValue] {
        let base = Date(timeIntervalSince1970: 1_796_104_800)
        let diagnostics = DiagnosticsData(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1.0-28-amd64", arch: "x86_64"),
            cpu: CPUInfo(model: "AMD EPYC 7763 64-Core Processor", logicalCores: 4, load1: 0.1, load5: 0.25, load15: 1e-7, hostLogicalCores: 64),
            memory: MemoryInfo(totalBytes: 8 << 30, availableBytes: 4 << 30, swapTotalBytes: 0, swapFreeBytes: 0, hostTotalBytes: 1 << 40),
            uptimeSec: 86_400, virtualization: "kvm", container: "none",
            config: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: true),
            facts: ["edition": .string("oss"), "clusterNodes": .integer(3), "ratio": .number(0.25), "tlsEnabled": .bool(true),
                    "big": .number(1e20), "whole": .number(2.0), "other": .string("Unknown")],
            factsStatus: .ok, counters: ["flowsExecuted": 412, "idle": 0, "max": 9_007_199_254_740_991], countersSinceSec: 3600)
        let bare = DiagnosticsData(os: OSInfo(), cpu: CPUInfo(), memory: MemoryInfo(), uptimeSec: nil, virtualization: nil, container: nil,
                                   config: ConfigFeatures(compression: false, proxy: true, dryRun: true, customCA: false))
        let reports = [
            Report(messageId: "3f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", type: .diagnostics, timestamp: base,
                   instanceId: "11111111-2222-4333-8444-555555555555", clusterId: "cccccccc-2222-4333-8444-555555555555",
                   erasureKeyHash: String(repeating: "0f", count: 32), agent: Agent(version: "1.2.3-rc.1"),
                   product: Product(name: "acme-db", version: "4.2.1 «é☃𝄞»"), data: .diagnostics(diagnostics)),
            Report(messageId: "3f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a18", type: .diagnostics, timestamp: base.addingTimeInterval(86_399),
                   instanceId: "11111111-2222-4333-8444-555555555556", clusterId: "cccccccc-2222-4333-8444-555555555556",
                   agent: Agent(version: "0.1.0"), data: .diagnostics(bare)),
            Report(messageId: "4f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", type: .keepalive, timestamp: base,
                   instanceId: "11111111-2222-4333-8444-555555555555", clusterId: "cccccccc-2222-4333-8444-555555555555",
                   agent: Agent(version: "0.1.0"), product: Product(name: "acme", version: nil),
                   data: .keepalive(KeepAliveData(uptimeSec: nil, agentUptimeSec: 60))),
            Report(messageId: "5f2c1a9e-8d3b-4c7a-9e21-5b6f0d8c3a17", type: .forget, timestamp: base,
                   instanceId: "11111111-2222-4333-8444-555555555555", clusterId: "cccccccc-2222-4333-8444-555555555555",
                   erasureKeyHash: String(repeating: "0f", count: 32), agent: Agent(version: "0.1.0"),
                   data: .forget(ForgetData(erasureKey: key))),
        ]
        return try reports.map { try JSONValue.parse(Array($0.jsonData()), maxDepth: 16) }
    }

    /// Values put in place of each member in turn: wrong types, nulls, big and odd numbers, odd strings.
    static let replacements: [JSONValue] = [
        .null, .bool(true), .bool(false), .integer(0), .integer(-1), .integer(1), .integer(Int64.max), .integer(Int64.min),
        .double(1.0), .double(-0.0), .double(1.5), .double(1e20), .double(1e18), .double(9.223372036854776e18),
        .double(1.8446744073709552e19), .double(1e-7), .double(4503599627370497.0), .double(-9.223372036854776e18),
        .string(""), .string("x"), .string("keepalive"), .string("ok"), .string("é☃𝄞"), .string("a\u{200B}b"), .string("2026-12-07T10:00:00Z"),
        .string(key), .array([]), .array([.integer(1)]), .object([:]), .object(["x": .integer(1)]),
    ]

    /// Every member path of `value` (objects only: reports hold no arrays).
    static func paths(_ value: JSONValue, _ prefix: [String] = []) -> [[String]] {
        guard case .object(let members) = value else { return [] }
        return members.keys.sorted().flatMap { [prefix + [$0]] + paths(members[$0] ?? .null, prefix + [$0]) }
    }

    /// `value` with the member at `path` replaced (nil: removed); a missing parent is left alone.
    static func replacing(_ value: JSONValue, _ path: ArraySlice<String>, with new: JSONValue?) -> JSONValue {
        guard let name = path.first, case .object(var members) = value else { return value }
        if path.count == 1 {
            members[name] = new
        } else if let child = members[name] {
            members[name] = replacing(child, path.dropFirst(), with: new)
        }
        return .object(members)
    }

    static func mutations() throws -> [JSONValue] {
        var out: [JSONValue] = []
        for seed in try seeds() {
            out.append(seed)
            for path in paths(seed) {
                out.append(replacing(seed, path[...], with: nil))
                for r in replacements { out.append(replacing(seed, path[...], with: r)) }
            }
            // Members the model does not know, and a report with the wrong `data` for its type.
            out.append(replacing(seed, ["extra"], with: .integer(1)))
            out.append(replacing(seed, ["data", "extra"], with: .string("x")))
            for t in ["keepalive", "diagnostics", "forget", "other"] { out.append(replacing(seed, ["type"], with: .string(t))) }
            for ts in oddTimestamps { out.append(replacing(seed, ["timestamp"], with: .string(ts))) }
        }
        // Two breakages at once: which one a failure names depends on the order fields are read in.
        var rng = SplitMix(seed: 19)
        let seeds = try seeds()
        for _ in 0..<600 {
            let seed = seeds[rng.next(seeds.count)]
            let all = paths(seed)
            var doc = seed
            var broken: [[String]] = []
            for _ in 0..<2 {
                let path = all[rng.next(all.count)]
                // Of two failing members of one facts or counters object, JSONDecoder names the first in its hash
                // order, random per process (`DocumentObject.dictionaryIfPresent`): no answer to compare with.
                if path.count == 3, broken.contains(where: { $0.count == 3 && $0.prefix(2) == path.prefix(2) }) { continue }
                broken.append(path)
                let r = rng.next(replacements.count + 1)
                doc = replacing(doc, path[...], with: r == replacements.count ? nil : replacements[r])
            }
            if rng.next(3) == 0 { doc = replacing(doc, ["timestamp"], with: .string(oddTimestamps[rng.next(oddTimestamps.count)])) }
            out.append(doc)
        }
        return out
    }

    static let oddTimestamps = [
        "2026-13-45T99:99:99Z", "2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z", "2024-02-29T23:59:59Z", "2026-01-01T24:00:00Z",
        "2026-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z",
        "1582-10-10T00:00:00Z", "1600-02-29T12:00:00Z", "1599-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
        "2026-01-01T00:00:00.5Z", "2026-01-01T00:00:00+01:00", "2026-01-01t00:00:00z", "2026-01-01 00:00:00Z", "2026-01-01",
        "", "x", "2026-1-1T0:0:0Z", "２０２６-01-01T00:00:00Z", "12026-01-01T00:00:00Z", "2026-01-01T23:60:00Z", "2026-01-32T00:00:00Z",
    ]

    // MARK: The tests

    @Test func theDocumentReadsAsJSONDecoderReadsItsMinimalForm() throws {
        var compared = 0, succeeded = 0
        for doc in try Self.mutations() {
            let expected = Self.oracle(doc), got = Self.fast(doc)
            switch (expected, got) {
            case (.report(let a), .report(let b)):
                succeeded += 1
                #expect(a == b, "\(doc.minimalJSON)")
                // Equal Strings may differ in their bytes (canonical equivalence); the JSON shows every byte.
                #expect(try a.jsonData() == b.jsonData(), "\(doc.minimalJSON)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(doc.minimalJSON)")
            default:
                Issue.record("oracle \(expected), new \(got): \(doc.minimalJSON)")
            }
            compared += 1
        }
        // The corpus must exercise both outcomes in numbers.
        #expect(compared > 3000)
        #expect(succeeded > 500)
        #expect(compared - succeeded > 1000)
    }

    @Test func theValidatorAnswersAsItDidWithTheSecondDecoding() throws {
        var accepted = 0, rejectedAfterSchema = 0
        for doc in try Self.mutations() {
            for body in [Array(doc.minimalJSON.utf8), Array(try JSONSerialization.data(withJSONObject: doc.foundationObject, options: [.prettyPrinted]))] {
                let expected = Self.legacyValidate(validator, body), got = validator.validate(body)
                #expect(expected == got, "\(doc.minimalJSON)")
                if case .success = got { accepted += 1 }
                if case .failure(let f) = got, f.violations.first?.path == "/timestamp" || f.reason.hasPrefix("the report does not match report-v1: /") {
                    rejectedAfterSchema += 1
                }
            }
        }
        #expect(accepted > 200)
        // Reports the schema lets through and the model refuses: the second decoding's own rejections.
        #expect(rejectedAfterSchema > 20)
    }

    @Test func aCountTooLargeForItsFieldIsRefusedInJSONDecodersWords() throws {
        var doc = try #require(try Self.seeds().first)
        doc = Self.replacing(doc, ["data", "memory", "totalBytes"], with: .double(1e20))
        let got = validator.validate(Array(doc.minimalJSON.utf8))
        #expect(got == .failure(ReportRejection(reason: "the report does not match report-v1: /: The given data was not valid JSON.")))
        #expect(got == Self.legacyValidate(validator, Array(doc.minimalJSON.utf8)))
    }

    @Test func ofSeveralFailingCountersTheFirstByNameIsNamedEveryTime() throws {
        var doc = try #require(try Self.seeds().first)
        doc = Self.replacing(doc, ["data", "counters", "b"], with: .string("x"))
        doc = Self.replacing(doc, ["data", "counters", "a"], with: .null)
        for _ in 0..<20 {
            #expect(Self.fast(doc) == .failure("/data/counters/a: Cannot get value of type Int -- found null value instead"))
        }
    }

    /// Numbers in integer fields as JSONDecoder reads their minimal text: exact decimals, not through the Double.
    @Test func wholeNumbersReadAsJSONDecoderReadsThem() throws {
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 1.5, 1e-7, 123.0, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e300,
                                9.223372036854776e18, -9.223372036854776e18, 1.8446744073709552e19, 9.007199254740993e15]
        var rng = SplitMix(seed: 7)
        for e in 0...66 {
            let p = Double(sign: .plus, exponent: e, significand: 1)
            values += [p, -p, p.nextUp, p.nextDown, p + 0.5, -(p.nextDown)]
            for _ in 0..<8 { values.append(p * (1 + Double(rng.next(1 << 20)) / Double(1 << 20))) }
        }
        for k in 0...25 { let p = pow(10.0, Double(k)); values += [p, -p, p * 3.7, p + 1] }
        struct I: Decodable { var v: Int }
        struct I64: Decodable { var v: Int64 }
        struct U: Decodable { var v: UInt64 }
        func decoded<T: Decodable>(_ t: T.Type, _ d: Double) -> T? {
            try? JSONDecoder().decode(T.self, from: Data("{\"v\":\(d)}".utf8))
        }
        for d in values where d.isFinite {
            let none: () -> [String] = { [] }
            #expect((try? DocumentRead.int(.double(d), none)) == decoded(I.self, d)?.v, "\(d)")
            #expect((try? DocumentRead.int64(.double(d), none)) == decoded(I64.self, d)?.v, "\(d)")
            #expect((try? DocumentRead.uint64(.double(d), none)) == decoded(U.self, d)?.v, "\(d)")
        }
        #expect(values.count > 500)
    }

    /// Timestamps as JSONDecoder's `.iso8601` reads them, over every field's range and beyond it.
    @Test func timestampsReadAsJSONDecoderReadsThem() throws {
        struct T: Decodable { var v: Date }
        func decoded(_ s: String) -> Date? { (try? Report.makeDecoder().decode(T.self, from: Data("{\"v\":\"\(s)\"}".utf8)))?.v }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var inputs = Self.oddTimestamps
        for year in ["0000", "0001", "1582", "1583", "1599", "1600", "1700", "1900", "1969", "1970", "2000", "2024", "2026", "2100", "9999"] {
            for month in 0...13 { for day in [0, 1, 28, 29, 30, 31, 32] { inputs.append("\(year)-\(two(month))-\(two(day))T12:34:56Z") } }
        }
        for hour in [0, 1, 23, 24, 25, 99] { for minute in [0, 59, 60, 99] { for second in [0, 59, 60, 61, 99] {
            inputs.append("2026-12-31T\(two(hour)):\(two(minute)):\(two(second))Z")
        } } }
        var canonical = 0
        for s in inputs {
            #expect(DocumentRead.timestamp(s) == decoded(s), "\(s)")
            if DocumentRead.canonicalTimestamp(s) != nil { canonical += 1 }
        }
        // The computed path must have been taken, not only the format style's.
        #expect(canonical > 500)
    }
}

/// A small seeded generator, so a failing case can be found again.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

extension JSONValue {
    /// The value as JSONSerialization's objects, to write a body with other whitespace and member order.
    var foundationObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .integer(let i): return i
        case .double(let d): return d
        case .string(let s): return s
        case .array(let a): return a.map(\.foundationObject)
        case .object(let o): return o.mapValues(\.foundationObject)
        }
    }
}
