import CollectorService
import Testing

@Suite struct ImportWindowTests {
    @Test func neverTwoOfOneInstallAtOnce() {
        var w = ImportWindow(capacity: 16)
        #expect(w.mayStart("a"))
        w.started("a")
        #expect(!w.mayStart("a"))
        #expect(w.mayStart("b"))
        w.ended("a")
        #expect(w.mayStart("a"))
        #expect(w.count == 0)
    }

    @Test func atMostCapacityInFlight() {
        var w = ImportWindow(capacity: 2)
        w.started("a")
        w.started("b")
        #expect(!w.mayStart("c"))
        w.ended("b")
        #expect(w.mayStart("c"))
        #expect(w.count == 1)
    }

    @Test func aCapacityBelowOneIsOne() {
        var w = ImportWindow(capacity: 0)
        #expect(w.capacity == 1)
        w.started("a")
        #expect(!w.mayStart("b"))
    }
}
