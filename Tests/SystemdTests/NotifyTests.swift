import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Systemd

@Test func monotonicClockAdvances() {
    let a = Monotonic.nowMicroseconds()
    let b = Monotonic.nowMicroseconds()
    #expect(b >= a)
}

@Suite struct NotifyMessageTests {
    @Test func readyWithAndWithoutStatus() {
        #expect(NotifyMessage.ready(status: nil) == "READY=1")
        #expect(NotifyMessage.ready(status: "Enabled; 0 queued") == "READY=1\nSTATUS=Enabled; 0 queued")
    }

    @Test func statusIsOneLine() {
        #expect(NotifyMessage.status("a\nb") == "STATUS=a b")
        #expect(NotifyMessage.status("a\r\nb\n\nc") == "STATUS=a b c")
        #expect(NotifyMessage.status("a \nb") == "STATUS=a b")
        #expect(NotifyMessage.status("\nFailed: x\n") == "STATUS=Failed: x")
        #expect(NotifyMessage.ready(status: "x\nREADY=0") == "READY=1\nSTATUS=x READY=0")
        #expect(!NotifyMessage.status("1\n2\r3").dropFirst().contains { $0 == "\n" || $0 == "\r" })
    }

    @Test func reloadingCarriesMonotonicTime() {
        #expect(NotifyMessage.reloading(monotonicMicroseconds: 42) == "RELOADING=1\nMONOTONIC_USEC=42")
    }

    @Test func fixedMessages() {
        #expect(NotifyMessage.watchdog == "WATCHDOG=1")
        #expect(NotifyMessage.stopping == "STOPPING=1")
    }
}

/// Tests that set process environment variables (NOTIFY_SOCKET, WATCHDOG_*): serialized, and each restores what it set.
@Suite(.serialized) struct SystemdEnvironmentTests {
    /// A bound AF_UNIX datagram socket in a fresh temporary directory, like systemd's notification socket.
    final class DatagramSocket {
        let fd: Int32
        let directory: String
        let path: String

        init() throws {
            var template = Array("/tmp/systemd-notify-test-XXXXXX".utf8CString)
            guard let dir = template.withUnsafeMutableBufferPointer({ buf in buf.baseAddress.flatMap { mkdtemp($0) } }) else {
                throw TestFailure("mkdtemp failed: errno \(errno)")
            }
            directory = String(cString: dir)
            path = directory + "/notify"
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket failed: errno \(errno)") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw TestFailure("path too long") }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in bytes.enumerated() { raw[i] = b }
                raw[bytes.count] = 0
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard rc == 0 else { throw TestFailure("bind \(path) failed: errno \(errno)") }
        }

        /// The next queued datagram, without waiting: sd_notify has sent it synchronously when it returns.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n >= 0 else { return nil }
            return String(decoding: buffer[0..<n], as: UTF8.self)
        }

        deinit {
            close(fd)
            unlink(path)
            rmdir(directory)
        }
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// Runs `body` with `name` set to `value` (nil: unset), then restores the previous value.
    func withEnv<T>(_ vars: [(String, String?)], _ body: () throws -> T) rethrows -> T {
        let saved = vars.map { ($0.0, getenv($0.0).map { String(cString: $0) }) }
        for (k, v) in vars {
            if let v { setenv(k, v, 1) } else { unsetenv(k) }
        }
        defer {
            for (k, v) in saved {
                if let v { setenv(k, v, 1) } else { unsetenv(k) }
            }
        }
        return try body()
    }

    @Test func notifyWithoutSocketIsNoOp() {
        withEnv([("NOTIFY_SOCKET", nil)]) {
            #expect(Notify.ready() == false)
            #expect(Notify.watchdog() == false)
        }
    }

    @Test func notifyRoundTripThroughRealSocket() throws {
        let sock = try DatagramSocket()
        try withEnv([("NOTIFY_SOCKET", sock.path)]) {
            #expect(Notify.ready(status: "Enabled;\nnext keep-alive in 5h59m"))
            #expect(sock.receive() == "READY=1\nSTATUS=Enabled; next keep-alive in 5h59m")

            #expect(Notify.status("line1\nline2"))
            #expect(sock.receive() == "STATUS=line1 line2")

            #expect(Notify.watchdog())
            #expect(sock.receive() == "WATCHDOG=1")

            #expect(Notify.stopping())
            #expect(sock.receive() == "STOPPING=1")

            let before = Monotonic.nowMicroseconds()
            #expect(Notify.reloading())
            let after = Monotonic.nowMicroseconds()
            let reloading = try #require(sock.receive())
            let lines = reloading.split(separator: "\n")
            #expect(lines.first == "RELOADING=1")
            let usec = try #require(lines.last.flatMap { $0.hasPrefix("MONOTONIC_USEC=") ? UInt64($0.dropFirst(15)) : nil })
            #expect(usec >= before && usec <= after)

            #expect(sock.receive() == nil)
        }
    }

    @Test func notifyToMissingSocketFails() throws {
        let sock = try DatagramSocket()
        withEnv([("NOTIFY_SOCKET", sock.path + "-missing")]) {
            #expect(Notify.ready() == false)
        }
    }

    @Test func watchdogIntervalFromEnvironment() {
        withEnv([("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", String(getpid()))]) {
            #expect(Watchdog.interval() == .seconds(30))
        }
        withEnv([("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", nil)]) {
            #expect(Watchdog.interval() == .seconds(30))
        }
    }

    @Test func watchdogForAnotherProcessOrUnsetIsNil() {
        withEnv([("WATCHDOG_USEC", "30000000"), ("WATCHDOG_PID", String(getpid() + 1))]) {
            #expect(Watchdog.interval() == nil)
        }
        withEnv([("WATCHDOG_USEC", nil), ("WATCHDOG_PID", nil)]) {
            #expect(Watchdog.interval() == nil)
        }
        withEnv([("WATCHDOG_USEC", "0"), ("WATCHDOG_PID", nil)]) {
            #expect(Watchdog.interval() == nil)
        }
    }

    @Test func stderrIsJournalFollowsJournalStream() {
        var st = stat()
        #expect(fstat(2, &st) == 0)
        withEnv([("JOURNAL_STREAM", "\(st.st_dev):\(st.st_ino)")]) {
            #expect(Journal.stderrIsJournal)
        }
        withEnv([("JOURNAL_STREAM", "\(st.st_dev):\(UInt64(st.st_ino) &+ 1)")]) {
            #expect(!Journal.stderrIsJournal)
        }
        withEnv([("JOURNAL_STREAM", nil)]) {
            #expect(!Journal.stderrIsJournal)
        }
    }
}
