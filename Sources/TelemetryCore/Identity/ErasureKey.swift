import TelemetryWire

/// The install's erasure key: 32 random bytes kept in `erasure-key` (mode 0600) beside `instance-id`. Every report
/// carries its SHA-256 (`erasureKeyHash`), which the collector pins at the install's first report; only a `forget`
/// report carries the key itself, so only this host can have the install erased, and a collector that leaks its
/// database leaks no key. Renewed whenever the instance ID is (a clone, a lost `instance-id`), so two instance IDs
/// never share a hash that would link them.
public struct ErasureKey: Sendable, Equatable, CustomStringConvertible {
    public static let byteCount = 32

    /// The key, 64 lower-case hex digits: the form kept in the file and sent in a `forget` report.
    public let hex: String
    /// SHA-256 of the 32 key bytes, 64 lower-case hex digits: what every report carries.
    public let hashHex: String

    /// The key of 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(checked: bytes)
    }

    private init(checked bytes: [UInt8]) {
        hex = Self.hex(bytes)
        hashHex = Self.hex(SHA256.hash(bytes))
    }

    /// The key written as 64 hex digits (either case, surrounding ASCII whitespace ignored); nil for anything else.
    public init?(hex text: String) {
        let digits = Array(text.trimmedASCII().utf8)
        guard digits.count == Self.byteCount * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = Self.nibble(digits[i]), let low = Self.nibble(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.init(bytes: bytes)
    }

    /// A new key from the system's cryptographic generator (`getrandom(2)` on Linux).
    public static func random() -> ErasureKey {
        var generator = SystemRandomNumberGenerator()
        return ErasureKey(checked: (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Never the key: a description ends up in logs and test output.
    public var description: String { "ErasureKey(sha256 \(hashHex))" }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
