import Foundation
import Logging
import Synchronization
import Testing
@testable import TelemetryCore

/// Keeps every message logged through it.
final class CapturingLogHandler: LogHandler, Sendable {
    let messages = Mutex<[String]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
    func log(event: LogEvent) { messages.withLock { $0.append("\(event.message)") } }
}

@Suite struct ProbeLoggingTests {
    @Test func anUnavailableSourceIsNamedInTheMessage() {
        let handler = CapturingLogHandler()
        let root = NSTemporaryDirectory() + "telemetryd-empty-root-\(UUID().uuidString)"
        let probe = HostProbe(root: root, logger: Logger(label: "test") { _ in handler })
        #expect(probe.text("proc/meminfo") == nil)
        let lines = handler.messages.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\(root)/proc/meminfo unavailable") == true, "\(lines)")
    }
}
