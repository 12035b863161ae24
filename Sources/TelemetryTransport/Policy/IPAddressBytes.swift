#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address as its bytes (4 or 16), for `no_proxy` CIDR matching. Pure (inet_pton only parses).
struct IPAddressBytes: Equatable {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// Whether `other` lies in this network of `prefixLength` bits (same family only).
    func contains(_ other: IPAddressBytes, prefixLength: Int) -> Bool {
        guard bytes.count == other.bytes.count, (0...(bytes.count * 8)).contains(prefixLength) else { return false }
        var left = prefixLength
        for (a, b) in zip(bytes, other.bytes) where left > 0 {
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }
}
