import Testing
@testable import CollectorEdge

@Suite("IP addresses and CIDR ranges")
struct IPAddressTests {
    @Test func parsesBothFamiliesAndNothingElse() {
        #expect(IPAddress("192.0.2.1")?.bytes == [192, 0, 2, 1])
        #expect(IPAddress("2001:db8::1")?.bytes.count == 16)
        #expect(IPAddress("[2001:db8::1]")?.description == "2001:db8::1")
        for bad in ["", "192.0.2", "192.0.2.256", "01.2.3.4", "2001:db8::1::2", "host.example", "192.0.2.1:80", "fe80::1%eth0", "１.2.3.4"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func anIPv4MappedAddressIsTheIPv4Address() {
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("192.0.2.1"))
        #expect(IPAddress("::ffff:192.0.2.1")?.isIPv4 == true)
    }

    @Test func clientNetworksAreA24AndA56() {
        #expect(IPAddress("192.0.2.77")?.clientNetwork == IPAddress("192.0.2.0"))
        #expect(IPAddress("2001:db8:1:2ff:1:2:3:4")?.clientNetwork == IPAddress("2001:db8:1:200::"))
        #expect(IPAddress("2001:db8:1:2ff::")?.clientNetwork != IPAddress("2001:db8:1:300::")?.clientNetwork)
    }

    @Test func cidrContainment() throws {
        let loopback = try #require(CIDR("127.0.0.0/8"))
        #expect(loopback.contains(try #require(IPAddress("127.1.2.3"))))
        #expect(!loopback.contains(try #require(IPAddress("128.0.0.1"))))
        let one = try #require(CIDR("::1"))
        #expect(one.prefixLength == 128)
        #expect(one.contains(try #require(IPAddress("::1"))))
        #expect(!one.contains(try #require(IPAddress("127.0.0.1"))))
        let mapped = try #require(CIDR("::ffff:10.0.0.0/104"))
        #expect(mapped.contains(try #require(IPAddress("10.9.8.7"))))
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("10.0.0.0/x") == nil)
        #expect(CIDR("10.0.0.0/") == nil)
        #expect(CIDR("0.0.0.0/0")?.contains(try #require(IPAddress("203.0.113.9"))) == true)
    }
}

@Suite("Whose address a request counts against (TrustedProxies=)")
struct TrustedProxiesTests {
    let proxy = IPAddress("127.0.0.1")!
    let outside = IPAddress("198.51.100.7")!

    @Test func anUntrustedPeerIsTheClientWhateverItSays() {
        let c = TrustedProxies.loopback.client(peer: outside, forwarded: [], forwardedFor: ["203.0.113.5"])
        #expect(c == outside)
    }

    @Test func aTrustedPeerWithoutAHeaderIsTheClient() {
        #expect(TrustedProxies.loopback.client(peer: proxy, forwarded: [], forwardedFor: []) == proxy)
    }

    @Test func theRightmostUntrustedHopIsTheClient() {
        // The client wrote "1.1.1.1" itself; the proxy appended what it saw.
        let c = TrustedProxies.loopback.client(peer: proxy, forwarded: [], forwardedFor: ["1.1.1.1, 203.0.113.5", "127.0.0.2"])
        #expect(c == IPAddress("203.0.113.5"))
    }

    @Test func forwardedWinsOverXForwardedFor() {
        let c = TrustedProxies.loopback.client(peer: proxy, forwarded: [#"for=192.0.2.60;proto=https, for="[2001:db8:cafe::17]:4711""#],
                                               forwardedFor: ["203.0.113.5"])
        #expect(c == IPAddress("2001:db8:cafe::17"))
    }

    @Test func portsAreIgnored() {
        #expect(TrustedProxies.loopback.client(peer: proxy, forwarded: [], forwardedFor: ["203.0.113.5:5555"]) == IPAddress("203.0.113.5"))
    }

    @Test func anUnknownHopStopsAtTheLastTrustedProxy() {
        #expect(TrustedProxies.loopback.client(peer: proxy, forwarded: ["for=unknown"], forwardedFor: []) == proxy)
        #expect(TrustedProxies.loopback.client(peer: proxy, forwarded: [], forwardedFor: ["garbage"]) == proxy)
    }

    @Test func aChainOfTrustedHopsEndsAtTheLeftmost() {
        let c = TrustedProxies.loopback.client(peer: proxy, forwarded: [], forwardedFor: ["127.0.0.9, 127.0.0.8"])
        #expect(c == IPAddress("127.0.0.9"))
    }

    @Test func noTrustedProxiesMeansThePeerAlways() {
        #expect(TrustedProxies([]).client(peer: proxy, forwarded: [], forwardedFor: ["203.0.113.5"]) == proxy)
    }
}
