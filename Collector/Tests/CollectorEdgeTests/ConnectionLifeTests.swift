import Testing
@testable import CollectorEdge

@Suite("One connection's deadlines (ConnectionLife)")
struct ConnectionLifeTests {
    let t = ConnectionTimeouts(request: 10, idle: 15, write: 5)

    @Test func aNewConnectionThatSendsNothingIsClosedWhenIdle() {
        var c = ConnectionLife(timeouts: t, now: 0)
        #expect(c.isIdle)
        #expect(c.deadline == 15)
        do { let r = c.timerFired(now: 14); #expect(r == .none) }
        do { let r = c.timerFired(now: 15); #expect(r == .close) }
        #expect(c.state == .closed)
    }

    @Test func aTrickledRequestEndsAtTheRequestTimeoutWithA408() {
        var c = ConnectionLife(timeouts: t, now: 0)
        c.received(now: 1)
        #expect(!c.isIdle)
        // More bytes do not move the deadline.
        c.received(now: 9)
        c.requestHead(now: 9.5)
        #expect(c.deadline == 11)
        do { let r = c.timerFired(now: 11); #expect(r == .answerTimeoutAndClose) }
    }

    @Test func aWholeRequestHasNoDeadlineWhileTheCollectorWorks() {
        var c = ConnectionLife(timeouts: t, now: 0)
        c.requestHead(now: 1)
        c.requestEnd()
        #expect(c.deadline == nil)
        do { let r = c.responseHead(now: 2); #expect(r == false) }
        #expect(c.deadline == 7)
        do { let r = c.responseSent(now: 3); #expect(r == .none) }
        #expect(c.state == .waiting(since: 3))
        #expect(c.deadline == 18)
    }

    @Test func anAnswerTheClientDoesNotTakeIsCutAtTheWriteTimeout() {
        var c = ConnectionLife(timeouts: t, now: 0)
        c.requestHead(now: 0)
        c.requestEnd()
        _ = c.responseHead(now: 1)
        do { let r = c.timerFired(now: 6); #expect(r == .close) }
    }

    @Test func anAnswerBeforeTheBodyWasReadClosesTheConnection() {
        var c = ConnectionLife(timeouts: t, now: 0)
        c.requestHead(now: 0)
        do { let r = c.responseHead(now: 1); #expect(r == true) }
        do { let r = c.responseSent(now: 1); #expect(r == .close) }
    }

    @Test func anAnswerAfterTheBodyArrivedMeanwhileKeepsTheConnection() {
        var c = ConnectionLife(timeouts: t, now: 0)
        c.requestHead(now: 0)
        _ = c.responseHead(now: 1)
        c.requestEnd()
        do { let r = c.responseSent(now: 1); #expect(r == .none) }
        #expect(c.isIdle)
    }

    @Test func aPipelinedRequestIsNotIdle() {
        var c = ConnectionLife(timeouts: t, now: 0)
        c.requestHead(now: 0)
        c.requestEnd()
        _ = c.responseHead(now: 1)
        c.requestHead(now: 1)   // the next request arrived while the first answer was written
        do { let r = c.responseSent(now: 2); #expect(r == .none) }
        #expect(c.state == .handling)
        #expect(!c.isIdle)
    }
}

@Suite("MaxConnections= (ConnectionTable)")
struct ConnectionTableTests {
    @Test func atTheCapTheOldestIdleConnectionMakesRoom() {
        var table = ConnectionTable(capacity: 3)
        do { let r = table.opened(1); #expect(r.isEmpty) }
        do { let r = table.opened(2); #expect(r.isEmpty) }
        do { let r = table.opened(3); #expect(r.isEmpty) }
        table.setIdle(1, false)          // busy: never chosen
        #expect(table.mayAccept)
        do { let r = table.opened(4); #expect(r == [2]) }  // the oldest idle one
        #expect(table.live == 3)
        #expect(table.count == 4)        // 2 is closing
        table.closed(2)
        #expect(table.count == 3)
    }

    @Test func whenEveryConnectionIsBusyAcceptingPauses() {
        var table = ConnectionTable(capacity: 2)
        _ = table.opened(1)
        _ = table.opened(2)
        table.setIdle(1, false)
        table.setIdle(2, false)
        #expect(!table.mayAccept)
        table.setIdle(2, true)
        #expect(table.mayAccept)
        table.setIdle(2, false)
        table.closed(1)
        #expect(table.mayAccept)
    }

    @Test func aConnectionPastTheCapAllowsNoFurtherAccept() {
        var table = ConnectionTable(capacity: 2)
        _ = table.opened(1)
        table.setIdle(1, false)
        _ = table.opened(2)
        #expect(table.mayAccept, "2 is idle and could make room")
        table.setIdle(2, false)
        do { let r = table.opened(3); #expect(r.isEmpty) }   // allowed while 2 was idle; nothing idle now
        #expect(table.live == 3)
        #expect(!table.mayAccept, "3 is idle but past the cap: no chain of accepts")
        table.closed(1)
        #expect(!table.mayAccept, "at the cap again, with nothing that can make room")
        table.setIdle(2, true)
        #expect(table.mayAccept)
    }

    @Test func aConnectionBeingClosedIsNotChosenTwice() {
        var table = ConnectionTable(capacity: 1)
        _ = table.opened(1)
        do { let r = table.opened(2); #expect(r == [1]) }
        table.setIdle(2, false)
        #expect(!table.mayAccept, "1 is closing, 2 is busy")
        do { let r = table.opened(3); #expect(r.isEmpty, "nothing idle is left to close") }
    }
}
