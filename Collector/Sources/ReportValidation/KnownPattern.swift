/// The `pattern`s of `schema/report-v1.schema.json`, matched by hand. Hand-written because `Regex.firstMatch` was
/// about 3 % of the collector's CPU at saturation (a profile of the ingest): a report has some 18 strings under a
/// pattern (three UUIDs, the timestamp, versions, names, each fact's and counter's name), and each is a run of ASCII
/// classes that a loop over the bytes decides. Only these exact pattern texts are matched here (`PatternCache` asks
/// `Regex` for any other, so a changed schema is still enforced); `KnownPatternTests` hold each against its `Regex`
/// over generated strings. The bytes are ASCII classes only, so a string with any other byte (a combining mark, a
/// multi-byte character) fails where a class is asked for, as the `Regex` fails on a grapheme outside the class.
enum KnownPattern: Sendable, CaseIterable {
    case uuid, timestamp, lowerHex64, agentVersion, productName, detectVirt, factName

    var pattern: String {
        switch self {
        case .uuid: return "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
        case .timestamp: return "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
        case .lowerHex64: return "^[0-9a-f]{64}$"
        case .agentVersion: return "^[0-9]+\\.[0-9]+\\.[0-9]+([-+][0-9A-Za-z.-]+)?$"
        case .productName: return "^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$"
        case .detectVirt: return "^[a-z0-9-]+$"
        case .factName: return "^[a-z][A-Za-z0-9_]{0,63}$"
        }
    }

    init?(pattern: String) {
        guard let known = KnownPattern.allCases.first(where: { $0.pattern == pattern }) else { return nil }
        self = known
    }

    func matches(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ matches($0) }) { return answer }
        return Array(text.utf8).withUnsafeBufferPointer { matches($0) }
    }

    func matches(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .uuid:
            guard b.count == 36 else { return false }
            for i in 0..<36 {
                if i == 8 || i == 13 || i == 18 || i == 23 {
                    if b[i] != UInt8(ascii: "-") { return false }
                } else if !Self.isLowerHex(b[i]) {
                    return false
                }
            }
            return true
        case .timestamp:
            guard b.count == 20 else { return false }
            for i in 0..<20 {
                switch i {
                case 4, 7: if b[i] != UInt8(ascii: "-") { return false }
                case 10: if b[i] != UInt8(ascii: "T") { return false }
                case 13, 16: if b[i] != UInt8(ascii: ":") { return false }
                case 19: if b[i] != UInt8(ascii: "Z") { return false }
                default: if !Self.isDigit(b[i]) { return false }
                }
            }
            return true
        case .lowerHex64:
            return b.count == 64 && b.allSatisfy(Self.isLowerHex)
        case .agentVersion:
            // Three dot-separated runs of digits, then at most one [-+] and a non-empty run of [0-9A-Za-z.-] to the end.
            var i = 0
            for part in 0..<3 {
                let start = i
                while i < b.count, Self.isDigit(b[i]) { i += 1 }
                if i == start { return false }
                if part < 2 {
                    guard i < b.count, b[i] == UInt8(ascii: ".") else { return false }
                    i += 1
                }
            }
            if i == b.count { return true }
            guard b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+"), i + 1 < b.count else { return false }
            return b[(i + 1)...].allSatisfy { Self.isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
        case .productName:
            guard (1...64).contains(b.count), Self.isAlphanumeric(b[0]) else { return false }
            return b.dropFirst().allSatisfy {
                Self.isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
            }
        case .detectVirt:
            return !b.isEmpty && b.allSatisfy { Self.isDigit($0) || Self.isLower($0) || $0 == UInt8(ascii: "-") }
        case .factName:
            guard (1...64).contains(b.count), Self.isLower(b[0]) else { return false }
            return b.dropFirst().allSatisfy { Self.isAlphanumeric($0) || $0 == UInt8(ascii: "_") }
        }
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    static func isLower(_ c: UInt8) -> Bool { c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") }
    static func isLowerHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) }
    static func isAlphanumeric(_ c: UInt8) -> Bool { isDigit(c) || isLower(c) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) }
}
