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
        hex = Hex.encode(bytes)
        hashHex = Hex.encode(SHA256.hash(bytes))
    }

    /// The key written as 64 hex digits (either case, surrounding ASCII whitespace ignored); nil for anything else.
    public init?(hex text: String) {
        guard let bytes = Hex.decode(text.trimmedASCII(), byteCount: Self.byteCount) else { return nil }
        self.init(checked: bytes)
    }

    /// A new key from the system's cryptographic generator (`getrandom(2)` on Linux).
    public static func random() -> ErasureKey {
        var generator = SystemRandomNumberGenerator()
        return ErasureKey(checked: (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Never the key: a description ends up in logs and test output.
    public var description: String { "ErasureKey(sha256 \(hashHex))" }
}
