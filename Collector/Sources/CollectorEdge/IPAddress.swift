#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as bytes. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack socket
/// reports for an IPv4 client) are the IPv4 address, so one client has one network whatever socket it came in on.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 (IPv6).
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self.bytes = bytes
        case 16:
            let mapped: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
            self.bytes = Array(bytes.prefix(12)) == mapped ? Array(bytes.suffix(4)) : bytes
        default: return nil
        }
    }

    /// `192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1`; also `[2001:db8::1]`. Nothing else (no port, no zone).
    /// inet_pton(3) is the parser: it is strict (no leading zeros in IPv4, one `::`), pure, and already in libc.
    public init?(_ text: some StringProtocol) {
        var s = String(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        guard !s.isEmpty, s.utf8.count <= 45, s.utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        if s.contains(":") {
            var a = in6_addr()
            guard inet_pton(AF_INET6, s, &a) == 1 else { return nil }
            let b = withUnsafeBytes(of: &a) { Array($0) }
            self.init(bytes: b)
        } else {
            var a = in_addr()
            guard inet_pton(AF_INET, s, &a) == 1 else { return nil }
            self.init(bytes: withUnsafeBytes(of: &a) { Array($0) })
        }
    }

    /// The first `bits` bits, the rest zero.
    public func masked(toPrefix bits: Int) -> IPAddress {
        var out = bytes
        for i in out.indices {
            let keep = max(0, min(8, bits - i * 8))
            out[i] &= keep == 8 ? 0xff : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return IPAddress(uncheckedBytes: out)
    }

    private init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }

    /// The client network rate limits count by: IPv4 /24, IPv6 /56 (what one household or small site is given).
    public var clientNetwork: IPAddress { masked(toPrefix: isIPv4 ? 24 : 56) }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var a = in6_addr()
        withUnsafeMutableBytes(of: &a) { $0.copyBytes(from: bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `192.0.2.0/24`, `2001:db8::/32`, or a single address (`::1` = `::1/128`).
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maxBits = address.bytes.count * 8
        var bits = maxBits
        if parts.count == 2 {
            // An IPv4-mapped network written as IPv6 (::ffff:10.0.0.0/104) counts its bits from the IPv6 form.
            let written = parts[0].contains(":") ? 128 : 32
            guard let n = Int(parts[1]), parts[1].allSatisfy(\.isASCII), (0...written).contains(n) else { return nil }
            bits = n - (written - maxBits)
            guard bits >= 0 else { return nil }
        }
        prefixLength = bits
        network = address.masked(toPrefix: bits)
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.bytes.count && address.masked(toPrefix: prefixLength) == network
    }

    public var description: String { "\(network)/\(prefixLength)" }
}
