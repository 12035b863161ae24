import Testing
@testable import CollectorStore
import CollectorStoreConformance

struct GroupCommitTests {
    @Test func aQuietCollectorCommitsEachInsertAtOnceAlone() {
        var machine = GroupCommit<Int>(maxBatch: 8, maxConcurrentBatches: 1)
        for i in 0..<3 {
            #expect(machine.submit(i) == [i])
            #expect(machine.finished() == nil)
            guard case .idle = machine.state else { Issue.record("not idle after \(i)"); return }
        }
    }

    @Test func insertsArrivingDuringACommitGoTogetherInArrivalOrder() {
        var machine = GroupCommit<Int>(maxBatch: 8, maxConcurrentBatches: 1)
        #expect(machine.submit(0) == [0])
        for i in 1...5 { #expect(machine.submit(i) == nil) }
        #expect(machine.waitingCount == 5)
        #expect(machine.finished() == [1, 2, 3, 4, 5])
        #expect(machine.submit(6) == nil, "the slot is taken by the batch just started")
        #expect(machine.finished() == [6])
        #expect(machine.finished() == nil)
        #expect(machine.waitingCount == 0)
    }

    @Test func aBatchTakesAtMostMaxBatchTheRestWaitForTheNext() {
        var machine = GroupCommit<Int>(maxBatch: 3, maxConcurrentBatches: 1)
        _ = machine.submit(0)
        for i in 1...7 { _ = machine.submit(i) }
        #expect(machine.finished() == [1, 2, 3])
        #expect(machine.finished() == [4, 5, 6])
        #expect(machine.finished() == [7])
        #expect(machine.finished() == nil)
    }

    @Test func severalSlotsFillBeforeAnyInsertWaits() {
        var machine = GroupCommit<Int>(maxBatch: 10, maxConcurrentBatches: 3)
        #expect(machine.submit(0) == [0])
        #expect(machine.submit(1) == [1])
        #expect(machine.submit(2) == [2])
        #expect(machine.submit(3) == nil)
        #expect(machine.submit(4) == nil)
        #expect(machine.finished() == [3, 4], "a freed slot takes every waiting insert")
        #expect(machine.finished() == nil)
        // Two slots busy, one free, nothing waiting: the next insert goes at once.
        #expect(machine.submit(5) == [5])
        guard case .committing(let batches, let waiting) = machine.state else { Issue.record("idle"); return }
        #expect(batches == 3 && waiting.isEmpty)
    }

    @Test func aWaitingInsertIsNeverOvertakenByALaterOneThatFindsAFreeSlot() {
        // Inserts of one install must be stored in arrival order: once any insert waits, later ones wait behind it.
        var machine = GroupCommit<Int>(maxBatch: 10, maxConcurrentBatches: 2)
        _ = machine.submit(0)
        _ = machine.submit(1)
        #expect(machine.submit(2) == nil)
        #expect(machine.finished() == [2])
        #expect(machine.submit(3) == nil, "both slots busy again")
        #expect(machine.finished() == [3])
        #expect(machine.finished() == nil)
        #expect(machine.finished() == nil)
        guard case .idle = machine.state else { Issue.record("not idle"); return }
    }

    @Test func everySubmittedInsertIsCommittedExactlyOnceWhateverTheInterleaving() {
        var rng = SplitMix64(seed: 42)
        for slots in 1...4 {
            var machine = GroupCommit<Int>(maxBatch: 5, maxConcurrentBatches: slots)
            var inFlight = 0, committed: [Int] = [], next = 0
            while next < 500 || inFlight > 0 {
                if next < 500, inFlight == 0 || rng.next() % 3 != 0 {
                    if let batch = machine.submit(next) { committed += batch; inFlight += 1 }
                    next += 1
                } else if inFlight > 0 {
                    inFlight -= 1
                    if let batch = machine.finished() {
                        #expect(batch.count <= 5)
                        committed += batch
                        inFlight += 1
                    }
                }
                #expect(inFlight <= slots)
            }
            #expect(committed.sorted() == Array(0..<500))
            #expect(machine.waitingCount == 0)
        }
    }
}
