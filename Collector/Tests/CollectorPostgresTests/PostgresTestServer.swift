#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation
import Subprocess
import SystemPackage

/// A throwaway PostgreSQL server for the tests, like tests/integration/postgres.py: Debian's `initdb` and
/// `pg_ctl` (from /usr/lib/postgresql/15/bin or $POSTGRES_BIN) in a fresh directory under /tmp, run as the
/// `postgres` user when the tests run as root (initdb refuses root), listening on 127.0.0.1 only on a free port,
/// with password authentication over TCP; stopped by its PID. One server per test process, shared by the suites
/// (`shared`); each test gets its own database (`makeDatabase()`), so tests stay independent and fast.
final class PostgresTestServer: @unchecked Sendable {
    static let binDir = ProcessInfo.processInfo.environment["POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"
    static let role = "telemetry"

    /// Why the server cannot run here, or nil. The tests are skipped with this reason (and it is printed).
    static let missingReason: String? = {
        for tool in ["initdb", "pg_ctl", "postgres", "psql"] where !FileManager.default.isExecutableFile(atPath: "\(binDir)/\(tool)") {
            return "PostgreSQL server binaries not found in \(binDir) (\(tool)): install Debian's postgresql package (scripts/install-deps --test) or set POSTGRES_BIN"
        }
        if getuid() == 0, getpwnam("postgres") == nil {
            return "running as root but there is no 'postgres' user to run the server as"
        }
        return nil
    }()

    /// The one server of this test process, started by the first test that asks; nil (with the reason printed) when
    /// it cannot run. Every later caller awaits the same start.
    static var shared: PostgresTestServer? {
        get async { await starting.value }
    }

    private static let starting = Task<PostgresTestServer?, Never> {
        if let reason = missingReason {
            FileHandle.standardError.write(Data("SKIPPING PostgreSQL tests: \(reason)\n".utf8))
            return nil
        }
        do {
            let server = try await PostgresTestServer.start()
            running.server = server
            atexit { PostgresTestServer.stopRunning() }
            return server
        } catch {
            FileHandle.standardError.write(Data("PostgreSQL test server failed to start: \(error)\n".utf8))
            return nil
        }
    }

    /// The started server, for the `atexit` handler (a C function pointer cannot capture it).
    private final class Running: @unchecked Sendable {
        private let lock = NSLock()
        private var started: PostgresTestServer?
        var server: PostgresTestServer? {
            get { lock.withLock { started } }
            set { lock.withLock { started = newValue } }
        }
    }
    private static let running = Running()
    private static func stopRunning() { running.server?.stop() }

    let directory: String
    let password: String
    private(set) var port: Int = 0
    private(set) var pid: pid_t = 0
    private let counter = NSLock()
    private var databases = 0

    struct Failure: Error, CustomStringConvertible { var description: String }

    private init(directory: String, password: String) {
        self.directory = directory
        self.password = password
    }

    static func start() async throws -> PostgresTestServer {
        let template = "/tmp/telemetry-pg-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw Failure(description: "mkdtemp failed: errno \(errno)") }
        let server = PostgresTestServer(directory: String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                                        password: UUID().uuidString.lowercased())
        do {
            try await server.initialize()
            return server
        } catch {
            server.stop()
            throw error
        }
    }

    private func initialize() async throws {
        if let pw = Self.serverUser {
            guard chown(directory, pw.uid, pw.gid) == 0 else {
                throw Failure(description: "chown \(directory) to postgres failed: errno \(errno)")
            }
        }
        let pwfile = "\(directory)/initdb.pw"
        try write(password + "\n", to: pwfile)
        let initdb = try await runAsServerUser(["\(Self.binDir)/initdb", "-D", "\(directory)/data", "-U", Self.role,
                                                "--pwfile=\(pwfile)", "--auth-local=trust", "--auth-host=scram-sha-256",
                                                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
        unlink(pwfile)
        guard initdb.status == 0 else { throw Failure(description: "initdb failed: \(initdb.errors.suffix(2000))\(initdb.output.suffix(1000))") }
        var lastError = ""
        for _ in 0..<3 {
            let port = try Self.freePort()
            let opts = "-p \(port) -c listen_addresses=127.0.0.1 -c unix_socket_directories=\(directory) -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            let r = try await runAsServerUser(["\(Self.binDir)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log",
                                               "-w", "-t", "30", "-o", opts, "start"])
            if r.status == 0 {
                self.port = port
                let pidLine = try String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8)
                    .split(separator: "\n").first.map(String.init) ?? ""
                self.pid = pid_t(pidLine) ?? 0
                return
            }
            lastError = r.errors + r.output
        }
        throw Failure(description: "pg_ctl start failed: \(lastError.suffix(2000))")
    }

    /// A fresh, empty database owned by the test role; its name.
    func makeDatabase() async throws -> String {
        let n = counter.withLock { () -> Int in
            databases += 1
            return databases
        }
        let name = "test_\(getpid())_\(n)"
        try await psql("CREATE DATABASE \(name) OWNER \(Self.role)", database: "postgres")
        return name
    }

    /// Runs SQL as the owner through the Unix socket; the rows, unaligned (`|` between columns), one a line.
    @discardableResult
    func psql(_ sql: String, database: String) async throws -> String {
        let r = try await runAsServerUser(["\(Self.binDir)/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory,
                                     "-p", "\(port)", "-U", Self.role, "-d", database, "-c", sql])
        guard r.status == 0 else { throw Failure(description: "psql \(sql): \(r.errors)") }
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fast shutdown by PID (SIGINT), SIGKILL after 10 s; then the directory goes (also after a failed start).
    func stop() {
        if pid > 0 {
            kill(pid, SIGINT)
            for _ in 0..<200 where kill(pid, 0) == 0 { usleep(50_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
            pid = 0
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Helpers

    /// The `postgres` user the server and its tools run as when the tests run as root (initdb refuses root); nil
    /// otherwise (they run as the test's own user).
    private static let serverUser: (uid: uid_t, gid: gid_t)? = {
        guard getuid() == 0, let pw = getpwnam("postgres") else { return nil }
        return (pw.pointee.pw_uid, pw.pointee.pw_gid)
    }()

    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        if let pw = Self.serverUser { chown(path, pw.uid, pw.gid) }
    }

    /// Runs a command as the server's user, in the server's own directory: the test process's working directory is
    /// the checkout, which the `postgres` user usually cannot enter, and psql then warns "could not change
    /// directory". Standard error is kept apart from standard output, so a warning never ends up among the rows a
    /// query returns. (pg_ctl's `-l` sends the server's own output to its log, so the server keeps no pipe open.)
    ///
    /// The user is changed by setpriv(1), not by swift-subprocess's `userID`/`groupID`: those call setgroups(2) in the
    /// child between fork and exec, and glibc's setxid there waits on the parent's other threads, which the child
    /// does not have; it hung a test run (the child stuck in `__nptl_setxid`) once in many.
    func runAsServerUser(_ argv: [String]) async throws -> (status: Int32, output: String, errors: String) {
        var argv = argv
        if let pw = Self.serverUser {
            // --clear-groups: none of root's supplementary groups.
            argv = ["/usr/bin/setpriv", "--reuid=\(pw.uid)", "--regid=\(pw.gid)", "--clear-groups", "--"] + argv
        }
        let result = try await run(.path(FilePath(argv[0])), arguments: Arguments(Array(argv.dropFirst())),
                                   workingDirectory: FilePath(directory),
                                   output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return (status, result.standardOutput, result.standardError)
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind: errno \(errno)") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw Failure(description: "getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
