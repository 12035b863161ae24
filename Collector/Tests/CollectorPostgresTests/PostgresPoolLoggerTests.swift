@testable import CollectorPostgres
import Logging
import Testing

@Suite struct PostgresPoolLoggerTests {
    func level(_ l: Logger.Level) -> Logger.Level {
        var logger = Logger(label: "test")
        logger.logLevel = l
        return PostgresReportStore.poolLogger(logger).logLevel
    }

    @Test func thePoolsPerAttemptInfoLinesAreDroppedUnlessDebugging() {
        // postgres-nio says "Connection creation failed" at info for every attempt during an outage.
        #expect(level(.info) == .warning)
        #expect(level(.notice) == .warning)
        #expect(level(.error) == .error)
        #expect(level(.debug) == .debug)
        #expect(level(.trace) == .trace)
    }
}
