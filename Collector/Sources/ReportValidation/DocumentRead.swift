#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The readers of single values, each as JSONDecoder reads the value's minimal form into the type.
enum DocumentRead {
    static func string(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> String {
        if case .string(let s) = v { return s }
        throw mismatch("String", v, path)
    }

    static func bool(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> Bool {
        if case .bool(let b) = v { return b }
        // JSONDecoder calls a null Bool a type mismatch, not a missing value as for the other types.
        if case .null = v { throw ReportShapeError(path: path(), message: "Expected to decode Bool but found null instead.") }
        throw mismatch("Bool", v, path)
    }

    static func double(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> Double {
        switch v {
        case .integer(let i): return Double(i)   // correctly rounded, as JSONDecoder's reading of the digits
        case .double(let d): return d            // the minimal text is the shortest that reads back as d
        default: throw mismatch("Double", v, path)
        }
    }

    static func int(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> Int {
        Int(try signed(v, path, "Int"))   // Int is 64 bits wide on every platform the collector is built for
    }

    static func int64(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> Int64 {
        try signed(v, path, "Int64")
    }

    private static func signed(_ v: JSONValue, _ path: () -> [String], _ type: String) throws(ReportShapeError) -> Int64 {
        switch v {
        case .integer(let i): return i
        case .double(let d):
            guard let w = WholeNumber(d), let i = w.int64 else { throw .numberNotRepresentable }
            return i
        default: throw mismatch(type, v, path)
        }
    }

    static func uint64(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> UInt64 {
        switch v {
        case .integer(let i):
            guard i >= 0 else { throw .numberNotRepresentable }
            return UInt64(i)
        case .double(let d):
            guard let w = WholeNumber(d), let u = w.uint64 else { throw .numberNotRepresentable }
            return u
        default: throw mismatch("UInt64", v, path)
        }
    }

    /// `Date` with `.iso8601`: a string, then what `Date.ISO8601FormatStyle` makes of it (JSONDecoder's own reading;
    /// it takes `2026-02-30T00:00:00Z` for March 2nd and `24:00:00` for the next midnight). Timestamps in the form
    /// the daemon writes, with fields in their ranges, are computed here: the format style's parse costs more than
    /// the rest of the report.
    static func date(_ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> Date {
        guard case .string(let s) = v else { throw mismatch(v.isNull ? "Date" : "String", v, path) }
        guard let d = timestamp(s) else {
            // JSONDecoder names no path for a date it cannot read.
            throw ReportShapeError(path: [], message: "Expected date string to be ISO8601-formatted.")
        }
        return d
    }

    /// `s` as JSONDecoder's `.iso8601` reads it, nil when it does not.
    static func timestamp(_ s: String) -> Date? {
        if let d = canonicalTimestamp(s) { return d }
        return try? Date.ISO8601FormatStyle().parse(s)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` with every field in its range, in the proleptic Gregorian calendar from 1600 (before the
    /// calendar's switch from the Julian in 1582, the format style's days differ; those are left to it).
    static func canonicalTimestamp(_ s: String) -> Date? {
        // A native string's UTF-8 is contiguous; any other takes the format style's way.
        s.utf8.withContiguousStorageIfAvailable { b -> Date? in
            guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
                  b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z") else { return nil }
            func digits(_ at: Int, _ n: Int) -> Int? {
                var v = 0
                for k in at..<(at + n) {
                    let c = b[k]
                    guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
                    v = v * 10 + Int(c - UInt8(ascii: "0"))
                }
                return v
            }
            guard let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
                  let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
                  year >= 1600, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
                  hour < 24, minute < 60, second < 60 else { return nil }
            let days = daysFromCivil(year: year, month: month, day: day)
            let unix = days * 86_400 + hour * 3_600 + minute * 60 + second
            return Date(timeIntervalSince1970: Double(unix))
        } ?? nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// A `String`-backed enum: a string first, then one of its raw values.
    static func rawValue<R: RawRepresentable>(_ type: R.Type, _ v: JSONValue, _ path: () -> [String]) throws(ReportShapeError) -> R
    where R.RawValue == String {
        let s = try string(v, path)
        guard let r = R(rawValue: s) else {
            throw ReportShapeError(path: path(), message: "Cannot initialize \(R.self) from invalid String value \(s)")
        }
        return r
    }

    static func mismatch(_ type: String, _ v: JSONValue, _ path: () -> [String]) -> ReportShapeError {
        if case .null = v { return ReportShapeError(path: path(), message: "Cannot get value of type \(type) -- found null value instead") }
        return ReportShapeError(path: path(), message: "Expected to decode \(type) but found \(v.decoderKind) instead.")
    }
}

extension JSONValue {
    var isNull: Bool { if case .null = self { return true } else { return false } }

    /// What JSONDecoder calls a value of this kind in "found … instead".
    var decoderKind: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .integer, .double: return "number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "a dictionary"
        }
    }
}
