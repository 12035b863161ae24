import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire

func cgroupFixture(_ name: String) throws -> String {
    let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures bundle missing")
    return base.appendingPathComponent("cgroup").appendingPathComponent(name).path
}

@Suite("Probes: container limits from cgroup trees")
struct CgroupLimitsTests {
    @Test func v1WithoutLimitsIsNoLimit() throws {
        let l = CgroupLimits.read(ProbeFiles(root: try cgroupFixture("v1-docker-unlimited")))
        #expect(l.memoryBytes == nil)
        #expect(l.cpus == 2, "the cpuset 0-1 still bounds the CPUs")
    }

    @Test func v1NspawnLimitsAreRead() throws {
        let l = CgroupLimits.read(ProbeFiles(root: try cgroupFixture("v1-nspawn-limited")))
        #expect(l.memoryBytes == 536_870_912)
        #expect(l.cpus == 1, "quota 1.5 CPUs rounds up to 2, the cpuset of one CPU is smaller")
    }

    @Test func v2LimitsAreRead() throws {
        let l = CgroupLimits.read(ProbeFiles(root: try cgroupFixture("v2-limited")))
        #expect(l.memoryBytes == 1 << 30)
        #expect(l.cpus == 3, "250000/100000 rounds up to 3, below the cpuset's 8")
        let none = CgroupLimits.read(ProbeFiles(root: try cgroupFixture("v2-unlimited")))
        #expect(none.memoryBytes == nil)
        #expect(none.cpus == 4)
    }

    @Test func malformedValuesAreNoLimit() {
        #expect(CgroupLimits(v2MemoryMax: "lots\n", cpuMax: "max\n", cpuset: "x").memoryBytes == nil)
        #expect(CgroupLimits(v2MemoryMax: "0\n", cpuMax: "0 100000", cpuset: nil) == CgroupLimits())
        #expect(CgroupLimits(v1MemoryLimit: "9223372036854771712", cfsQuota: "-1", cfsPeriod: "100000", cpuset: nil) == CgroupLimits())
        #expect(CgroupLimits(v1MemoryLimit: "1048576", cfsQuota: "50000", cfsPeriod: "100000", cpuset: nil) == CgroupLimits(memoryBytes: 1 << 20, cpus: 1))
    }

    /// A fixture root: a container (nspawn marker) with a host's /proc and the given cgroup tree.
    static func containerRoot(cgroup: String, marker: Bool = true) throws -> String {
        let root = NSTemporaryDirectory() + "cgroup-host-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/proc", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/sys/devices/system/cpu", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/run/systemd", withIntermediateDirectories: true)
        try "MemTotal:       24683584 kB\nMemFree: 1 kB\nMemAvailable: 2 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n".write(toFile: root + "/proc/meminfo", atomically: false, encoding: .utf8)
        try "processor\t: 0\nmodel name\t: Test CPU\n\nprocessor\t: 1\nmodel name\t: Test CPU\n\n".write(toFile: root + "/proc/cpuinfo", atomically: false, encoding: .utf8)
        try "0-1\n".write(toFile: root + "/sys/devices/system/cpu/online", atomically: false, encoding: .utf8)
        if marker { try "systemd-nspawn\n".write(toFile: root + "/run/systemd/container", atomically: false, encoding: .utf8) }
        try fm.copyItem(atPath: try cgroupFixture(cgroup) + "/sys/fs", toPath: root + "/sys/fs")
        return root
    }

    @Test func inAContainerTheReportCarriesTheContainersShareBesideTheHosts() throws {
        let root = try Self.containerRoot(cgroup: "v1-nspawn-limited")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let builder = ReportBuilder(probe: HostProbe(root: root), identity: testIdentity(), features: testFeatures())
        guard case .diagnostics(let d) = builder.build(.diagnostics).data else { Issue.record("not diagnostics"); return }
        #expect(d.container == "systemd-nspawn")
        #expect(d.memory.totalBytes == 536_870_912)
        #expect(d.memory.hostTotalBytes == 24_683_584 * 1024)
        #expect(d.cpu.logicalCores == 1)
        #expect(d.cpu.hostLogicalCores == 2)
    }

    @Test func outsideAContainerCgroupFilesAreIgnored() throws {
        // The daemon's own unit may have a MemoryMax=: that is not what the host has.
        let root = try Self.containerRoot(cgroup: "v1-nspawn-limited", marker: false)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/proc/1", withIntermediateDirectories: true)
        try "PATH=/bin\u{0}".write(toFile: root + "/proc/1/environ", atomically: false, encoding: .utf8)
        let builder = ReportBuilder(probe: HostProbe(root: root), identity: testIdentity(), features: testFeatures())
        guard case .diagnostics(let d) = builder.build(.diagnostics).data else { Issue.record("not diagnostics"); return }
        #expect(d.container == "none")
        #expect(d.memory.totalBytes == 24_683_584 * 1024)
        #expect(d.memory.hostTotalBytes == d.memory.totalBytes)
        #expect(d.cpu.logicalCores == 2 && d.cpu.hostLogicalCores == 2)
    }
}

func testIdentity(cluster: String = "11111111-2222-4333-8444-555555555555", fromConfig: Bool = false) -> Identity {
    Identity(instanceId: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", clusterId: cluster, clusterIdFromConfig: fromConfig)
}

func testFeatures() -> ConfigFeatures { ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false) }
