import Foundation
import InMemoryLogging
import Logging
import Testing
import TestSupport
@testable import TelemetryCore

@Suite struct ProbeLoggingTests {
    @Test func anUnavailableSourceIsNamedInTheMessage() {
        let log = InMemoryLogHandler.everything()
        let root = NSTemporaryDirectory() + "telemetryd-empty-root-\(UUID().uuidString)"
        let probe = HostProbe(root: root, logger: log.logger)
        #expect(probe.text("proc/meminfo") == nil)
        let lines = log.entries.map(\.message.description)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\(root)/proc/meminfo unavailable") == true, "\(lines)")
    }
}
