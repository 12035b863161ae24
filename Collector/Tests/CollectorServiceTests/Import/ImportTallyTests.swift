import CollectorService
import Testing

@Suite struct ImportTallyTests {
    @Test func addsAndSaysEachCount() {
        var total = ImportTally()
        total.add(ImportTally(new: 2, duplicate: 1, rejected: 0))
        total.add(ImportTally(new: 1, duplicate: 0, rejected: 3))
        #expect(total == ImportTally(new: 3, duplicate: 1, rejected: 3))
        #expect(total.description == "3 new, 1 duplicate, 3 rejected")
    }
}
