import Testing
@testable import CollectorEdge

@Suite("Ingest rate limits (IngestLimiter)")
struct IngestLimiterTests {
    let a = IPAddress("198.51.100.7")!
    let aNeighbour = IPAddress("198.51.100.200")!
    let b = IPAddress("203.0.113.5")!

    @Test func aNetworkGetsItsBurstThenItsRate() {
        var l = IngestLimiter(limits: IngestLimits(networkReportsPerMinute: 60), day: 1, salt: 7)
        for _ in 0..<60 { do { let r = l.admitReport(from: a, now: 100); #expect(r == .admit) } }
        // The same /24 shares the bucket; another network has its own.
        do { let r = l.admitReport(from: aNeighbour, now: 100); #expect(r == .refuse(.networkRate, retryAfterSeconds: 1)) }
        do { let r = l.admitReport(from: b, now: 100); #expect(r == .admit) }
        // One a second comes back.
        do { let r = l.admitReport(from: a, now: 101); #expect(r == .admit) }
        do { let r = l.admitReport(from: a, now: 101); #expect(r != .admit) }
        do { let r = l.drainRefusals(); #expect(r == [.networkRate: 2]) }
        do { let r = l.drainRefusals(); #expect(r.isEmpty) }
    }

    @Test func retryAfterSaysWhenATokenIsBack() {
        var l = IngestLimiter(limits: IngestLimits(networkReportsPerMinute: 6), day: 1, salt: 7)
        for _ in 0..<6 { _ = l.admitReport(from: a, now: 0) }
        do { let r = l.admitReport(from: a, now: 0); #expect(r == .refuse(.networkRate, retryAfterSeconds: 10)) }
        do { let r = l.admitReport(from: a, now: 4); #expect(r == .refuse(.networkRate, retryAfterSeconds: 6)) }
    }

    @Test func newInstallsPerNetworkAndDay() {
        var l = IngestLimiter(limits: IngestLimits(networkNewInstallsPerDay: 2), day: 1, salt: 7)
        do { let r = l.admitInstall("i1", isNew: true, from: a, secondsToMidnight: 500); #expect(r == .admit) }
        do { let r = l.admitInstall("i2", isNew: true, from: aNeighbour, secondsToMidnight: 500); #expect(r == .admit) }
        do { let r = l.admitInstall("i3", isNew: true, from: a, secondsToMidnight: 500); #expect(r == .refuse(.networkNewInstalls, retryAfterSeconds: 500)) }
        // Known installs and a second report of an admitted one are not new.
        do { let r = l.admitInstall("old", isNew: false, from: a, secondsToMidnight: 500); #expect(r == .admit) }
        do { let r = l.admitInstall("i1", isNew: true, from: a, secondsToMidnight: 500); #expect(r == .admit) }
        #expect(l.admittedToday(instanceId: "i1"))
        #expect(!l.admittedToday(instanceId: "i3"))
        // Another network still brings new installs.
        do { let r = l.admitInstall("i4", isNew: true, from: b, secondsToMidnight: 500); #expect(r == .admit) }
        // Tomorrow is another day.
        l.startDay(2, salt: 8)
        #expect(!l.admittedToday(instanceId: "i1"))
        do { let r = l.admitInstall("i3", isNew: true, from: a, secondsToMidnight: 500); #expect(r == .admit) }
    }

    @Test func reportsPerInstallAndDay() {
        var l = IngestLimiter(limits: IngestLimits(instanceReportsPerDay: 3), day: 1, salt: 7)
        for _ in 0..<3 { do { let r = l.admitInstall("i1", isNew: false, from: a, secondsToMidnight: 99); #expect(r == .admit) } }
        do { let r = l.admitInstall("i1", isNew: false, from: b, secondsToMidnight: 99); #expect(r == .refuse(.instanceDaily, retryAfterSeconds: 99)) }
        do { let r = l.admitInstall("i2", isNew: false, from: a, secondsToMidnight: 99); #expect(r == .admit) }
    }

    @Test func zeroTurnsALimitOff() {
        var l = IngestLimiter(limits: .off, day: 1, salt: 7)
        for i in 0..<5_000 {
            do { let r = l.admitReport(from: a, now: 0); #expect(r == .admit) }
            do { let r = l.admitInstall("i\(i % 10)", isNew: true, from: a, secondsToMidnight: 1); #expect(r == .admit) }
        }
    }

    @Test func networksBeyondTheMemorySetAsideAreRefusedUntilSomeAreForgotten() {
        var l = IngestLimiter(limits: IngestLimits(networkReportsPerMinute: 60), day: 1, salt: 7, maxNetworks: 2)
        do { let r = l.admitReport(from: a, now: 0); #expect(r == .admit) }
        do { let r = l.admitReport(from: b, now: 0); #expect(r == .admit) }
        do { let r = l.admitReport(from: IPAddress("192.0.2.1")!, now: 0); #expect(r == .refuse(.tooManyNetworks, retryAfterSeconds: 60)) }
        // A minute later both buckets are full again: forgotten, room for a new one.
        do { let r = l.admitReport(from: IPAddress("192.0.2.1")!, now: 61); #expect(r == .admit) }
        #expect(l.trackedNetworks == 1)
    }

    @Test func oneNetworkSendingMostOfTheDayIsNoticedOnce() {
        var l = IngestLimiter(limits: .off, day: 1, salt: 7)
        for _ in 0..<999 { _ = l.admitReport(from: a, now: 0) }
        do { let r = l.takeProxyNotice(); #expect(!r) }
        _ = l.admitReport(from: a, now: 0)
        do { let r = l.takeProxyNotice(); #expect(r) }
        for _ in 0..<2_000 { _ = l.admitReport(from: a, now: 0) }
        do { let r = l.takeProxyNotice(); #expect(!r) }
        l.startDay(2, salt: 1)
        let c = IPAddress("192.0.2.1")!
        for _ in 0..<600 { for n in [a, b, c] { _ = l.admitReport(from: n, now: 0) } }
        do { let r = l.takeProxyNotice(); #expect(!r, "networks sharing the day are no sign of a proxy") }
    }

    @Test func keysChangeWithTheDaysSalt() {
        let d1 = IngestLimiter(limits: .off, day: 1, salt: 1)
        var d2 = d1
        d2.startDay(2, salt: 2)
        #expect(d1.key(a) != d2.key(a))
        #expect(d1.key(a) == d1.key(aNeighbour))
    }
}
