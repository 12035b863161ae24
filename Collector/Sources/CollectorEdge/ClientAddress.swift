/// Which address a request counts against: the peer's, unless the peer is a proxy named in `TrustedProxies=`
/// and says who it forwarded for (`Forwarded: for=…` per RFC 7239, else `X-Forwarded-For`). Then the client is
/// the rightmost address in the chain that is not itself a trusted proxy: each trusted hop appended the address
/// it saw, so everything left of the first untrusted one could have been written by the client and is ignored.
/// Pure; the address is used in memory for rate limits only, never stored or logged.
public struct TrustedProxies: Sendable, Equatable {
    public var ranges: [CIDR]

    public init(_ ranges: [CIDR]) { self.ranges = ranges }

    /// The default: loopback, where a reverse proxy on the same machine connects from.
    public static let loopback = TrustedProxies([CIDR("127.0.0.0/8"), CIDR("::1")].compactMap { $0 })

    public func trusts(_ address: IPAddress) -> Bool { ranges.contains { $0.contains(address) } }

    /// `forwarded` and `forwardedFor` are every value of those headers, in the order received.
    public func client(peer: IPAddress, forwarded: [String], forwardedFor: [String]) -> IPAddress {
        guard trusts(peer) else { return peer }
        let chain: [String]
        if !forwarded.isEmpty {
            chain = forwarded.flatMap { Self.forwardedForValues($0) }
        } else {
            chain = forwardedFor.flatMap { $0.split(separator: ",").map { String($0.trimmingASCIISpaces()) } }
        }
        var client = peer
        for hop in chain.reversed() {
            // An obfuscated or unknown hop (`for=_hidden`, `unknown`) ends what can be known: the last trusted
            // proxy is the best address there is.
            guard let address = Self.address(hop) else { return client }
            client = address
            if !trusts(address) { return address }
        }
        return client
    }

    /// The `for=` parameters of one `Forwarded` header value, in order.
    static func forwardedForValues(_ header: String) -> [String] {
        header.split(separator: ",").compactMap { element in
            for pair in element.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, kv[0].trimmingASCIISpaces().lowercased() == "for" else { continue }
                var value = kv[1].trimmingASCIISpaces()
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
                return String(value)
            }
            return nil
        }
    }

    /// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`.
    static func address(_ hop: String) -> IPAddress? {
        if hop.hasPrefix("[") {
            guard let close = hop.firstIndex(of: "]") else { return nil }
            return IPAddress(hop[hop.index(after: hop.startIndex)..<close])
        }
        if hop.filter({ $0 == ":" }).count == 1, let colon = hop.firstIndex(of: ":") {
            return IPAddress(hop[..<colon])
        }
        return IPAddress(hop)
    }
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    func trimmingASCIISpaces() -> Substring { Substring(self).trimmingASCIISpaces() }
}
