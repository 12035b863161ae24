// The units of work the benchmarks and the soak runner measure. Each one calls the same public API the
// daemon uses, on the real /proc, so a number here is a number the daemon pays.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CompressNIO
import NIOCore
import TelemetryCore
import TelemetryWire

public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Everything a collection needs, built once (the daemon builds it at start and on reload).
public struct Workload: Sendable {
    public let builder: ReportBuilder
    public let scratch: String

    /// `scratch` is a private temporary directory: spool files and the config fixture live there.
    public init() throws {
        let identity = Identity(instanceId: "8c1f2f9e-5d4e-4a8e-9d55-3c7a3f0c1a11",
                                clusterId: "0b7a3c2d-1e4f-4a6b-8c9d-0e1f2a3b4c5d", clusterIdFromConfig: false)
        var config = TelemetryConfig()
        config.compress = true
        builder = ReportBuilder(probe: HostProbe(root: "/"), identity: identity,
                                features: ConfigFeatures(config: config, proxyInUse: false))
        var template = Array("/tmp/telemetryd-bench.XXXXXX".utf8CString)
        let dir: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return nil }
            return String(cString: made)
        }
        guard let dir else { throw BenchError("mkdtemp in /tmp failed (errno \(errno)); make /tmp writable") }
        scratch = dir
        try AtomicFile.makeDirectory(spoolDirectory)
    }

    public var spoolDirectory: String { scratch + "/spool" }

    /// One full diagnostics collection from the real /proc (os-release, cpuinfo, meminfo, loadavg, uptime,
    /// virtualization and container detection).
    public func collectDiagnostics() -> Report { builder.build(.diagnostics) }

    public func collectKeepAlive() -> Report { builder.build(.keepalive) }

    /// The wire/spool JSON form.
    public static func encodeJSON(_ report: Report) throws -> Data { try report.jsonData() }

    /// gzip as the transport does for `Compress=yes` (CompressNIO over zlib).
    public static func gzip(_ json: Data) throws -> ByteBuffer {
        var input = ByteBuffer(bytes: json)
        return try input.compress(with: .gzip())
    }

    /// One spool write: temp file, fsync, rename, directory fsync (AtomicFile, the spool's primitive).
    public func spoolWrite(_ bytes: some Collection<UInt8>, name: String) throws {
        try AtomicFile.write(bytes, to: spoolDirectory + "/" + name)
    }

    public func spoolRemove(name: String) throws {
        try AtomicFile.remove(spoolDirectory + "/" + name)
    }

    public func removeScratch() {
        _ = try? FileManagerLite.removeTree(scratch)
    }
}

/// The shipped `etc/telemetry.conf` plus ten drop-ins, copied into a scratch directory.
public struct ConfigFixture: Sendable {
    public let mainPath: String
    public let dropInCount: Int

    /// `repoRoot`: the repository that holds `etc/telemetry.conf` (default: found from this source file,
    /// or `$TELEMETRYD_REPO`).
    public init(in directory: String, repoRoot: String = ConfigFixture.defaultRepoRoot(), dropIns: Int = 10) throws {
        let shipped = repoRoot + "/etc/telemetry.conf"
        guard let bytes = try AtomicFile.read(shipped) else {
            throw BenchError("\(shipped): no such file; set TELEMETRYD_REPO to the telemetryd checkout")
        }
        mainPath = directory + "/telemetry.conf"
        try AtomicFile.write(bytes, to: mainPath)
        let dropInDir = ConfigLoader.dropInDirectory(forMainPath: mainPath)
        try AtomicFile.makeDirectory(dropInDir)
        for i in 0..<dropIns {
            // Realistic operator drop-ins: each sets a few keys of every section, later files win.
            let text = """
                # drop-in \(i): local overrides
                [Telemetry]
                Enable=yes
                Endpoint=https://telemetry\(i).example.com/v1/reports
                KeepAliveIntervalSec=\(i + 1)h
                DiagnosticsIntervalSec=\(i + 1)h \(i)min
                RandomizedDelaySec=\(i)min

                [Transport]
                TimeoutSec=\(20 + i)s
                Compress=\(i % 2 == 0 ? "yes" : "no")
                RetryMinSec=30s
                RetryMaxSec=1h

                [Spool]
                MaxReports=\(256 + i)

                """
            try AtomicFile.write(Array(text.utf8), to: dropInDir + "/\(String(format2: i))-bench.conf")
        }
        dropInCount = dropIns
    }

    public static func defaultRepoRoot() -> String {
        if let env = getenv("TELEMETRYD_REPO") { return String(cString: env) }
        // <repo>/Benchmarks/Sources/BenchSupport/Workload.swift
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(4)
        return parts.joined(separator: "/")
    }

    /// The loader the daemon uses; no runtime drop-in directory and an empty environment, so the machine's
    /// own /run/telemetryd cannot change the numbers.
    public func load() throws -> LoadedConfig {
        try ConfigLoader(mainPath: mainPath, runtimeDropInDirectory: "/nonexistent/telemetry.conf.d",
                         environment: [:], requireMainFile: true).load()
    }
}

extension String {
    /// Two-digit zero padding without Foundation's String(format:).
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}

/// Minimal recursive delete (FoundationEssentials has no FileManager on every toolchain).
enum FileManagerLite {
    static func removeTree(_ path: String) throws {
        guard let dir = opendir(path) else { unlink(path); return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var st = stat()
            if lstat(child, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                try removeTree(child)
            } else {
                unlink(child)
            }
        }
        rmdir(path)
    }
}
