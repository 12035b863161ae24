import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire

/// Fixture host trees under `Fixtures/hosts/<name>/`.
enum HostFixtures {
    static func root(_ name: String) throws -> String {
        let base = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil), "Fixtures bundle missing")
        let root = base.appendingPathComponent("hosts").appendingPathComponent(name).path
        var isDir: ObjCBool = false
        try #require(FileManager.default.fileExists(atPath: root, isDirectory: &isDir) && isDir.boolValue, "fixture \(name) missing")
        return root
    }

    /// A CPUID that reports a hypervisor with this leaf-0x40000000 signature, or none when nil.
    static func cpuid(signature: String?) -> CPUIDReader {
        CPUIDReader { leaf, _ in
            switch leaf {
            case 1: return (0, 0, signature == nil ? 0 : 1 << 31, 0)
            case 0x4000_0000:
                var b = Array((signature ?? "").utf8.prefix(12))
                while b.count < 12 { b.append(0) }
                func reg(_ i: Int) -> UInt32 {
                    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
                }
                return (0x4000_0001, reg(0), reg(4), reg(8))
            default: return (0, 0, 0, 0)
            }
        }
    }
}

struct ExpectedHost {
    var os: OSInfo
    var cpu: CPUInfo
    var memory: MemoryInfo
    var uptime: Int?
    var virtualization: String?
    var container: String?
}

@Suite struct ProbeFixtureTests {
    static let KiB: UInt64 = 1024

    func check(_ name: String, _ expected: ExpectedHost, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let probe = HostProbe(root: try HostFixtures.root(name))
        #expect(probe.osInfo() == expected.os, sourceLocation: sourceLocation)
        // Without container limits, the host's figures are the install's own.
        var cpu = expected.cpu, memory = expected.memory
        if cpu.hostLogicalCores == nil { cpu.hostLogicalCores = cpu.logicalCores }
        if memory.hostTotalBytes == nil { memory.hostTotalBytes = memory.totalBytes }
        #expect(probe.cpuInfo() == cpu, sourceLocation: sourceLocation)
        #expect(probe.memoryInfo() == memory, sourceLocation: sourceLocation)
        #expect(probe.uptimeSec() == expected.uptime, sourceLocation: sourceLocation)
        #expect(probe.virtualization() == expected.virtualization, sourceLocation: sourceLocation)
        #expect(probe.container() == expected.container, sourceLocation: sourceLocation)
    }

    /// Captured on the machine these tests were written on (see Fixtures/README.md): Debian 12 in a Docker-style
    /// container on a Firecracker VM; no DMI is visible there, so without CPUID only the cpuinfo flag tells a VM.
    @Test func capturedDebian12Docker() throws {
        try check("captured-debian12-docker", ExpectedHost(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.18.44-fc-v1045", arch: "x86_64"),
            cpu: CPUInfo(model: "AMD EPYC", logicalCores: 2, load1: 5.93, load5: 4.56, load15: 2.7),
            memory: MemoryInfo(totalBytes: 24683584 * Self.KiB, availableBytes: 23219116 * Self.KiB, swapTotalBytes: 0, swapFreeBytes: 0),
            uptime: 1241, virtualization: "vm-other", container: "docker"))
    }

    /// Captured inside `systemd-nspawn -D / --volatile=yes -b` on that machine (the integration tests' container):
    /// the volatile root has no /etc/os-release, so /usr/lib/os-release answers; /run/systemd/container names nspawn.
    @Test func capturedNspawnContainer() throws {
        try check("captured-nspawn-debian12", ExpectedHost(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.18.44-fc-v1045", arch: "x86_64"),
            cpu: CPUInfo(model: "AMD EPYC", logicalCores: 2, load1: 5.84, load5: 5.04, load15: 3.2),
            memory: MemoryInfo(totalBytes: 24683584 * Self.KiB, availableBytes: 23484404 * Self.KiB, swapTotalBytes: 0, swapFreeBytes: 0),
            uptime: 1415, virtualization: "vm-other", container: "systemd-nspawn"))
    }

    @Test func debian12KVM() throws {
        try check("debian12-x86_64-kvm", ExpectedHost(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1.0-13-amd64", arch: "x86_64"),
            cpu: CPUInfo(model: "Intel Xeon Processor (Cascadelake)", logicalCores: 2, load1: 0.08, load5: 0.03, load15: 0.01),
            memory: MemoryInfo(totalBytes: 4015852 * Self.KiB, availableBytes: 3512220 * Self.KiB, swapTotalBytes: 0, swapFreeBytes: 0),
            uptime: 356442, virtualization: "kvm", container: "none"))
    }

    @Test func ubuntuArm64Graviton() throws {
        try check("ubuntu-arm64", ExpectedHost(
            os: OSInfo(id: "ubuntu", versionId: "22.04", prettyName: "Ubuntu 22.04.3 LTS", kernel: "6.5.0-1014-aws", arch: "aarch64"),
            cpu: CPUInfo(model: "ARM Neoverse-N1", logicalCores: 2, load1: 1.25, load5: 0.75, load15: 0.5),
            memory: MemoryInfo(totalBytes: 7919464 * Self.KiB, availableBytes: 7288120 * Self.KiB, swapTotalBytes: 0, swapFreeBytes: 0),
            uptime: 86400, virtualization: "amazon", container: "none"))
    }

    @Test func rhel9VMware() throws {
        try check("rhel9-vmware", ExpectedHost(
            os: OSInfo(id: "rhel", versionId: "9.3", prettyName: "Red Hat Enterprise Linux 9.3 (Plow)", kernel: "5.14.0-362.8.1.el9_3.x86_64", arch: "x86_64"),
            cpu: CPUInfo(model: "Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", logicalCores: 4, load1: 2.5, load5: 1.75, load15: 1.1),
            memory: MemoryInfo(totalBytes: 16318412 * Self.KiB, availableBytes: 14250000 * Self.KiB, swapTotalBytes: 8388604 * Self.KiB, swapFreeBytes: 8388604 * Self.KiB),
            uptime: 1209600, virtualization: "vmware", container: "none"))
    }

    @Test func dockerContainer() throws {
        // Without CPUID a fixture only knows "some hypervisor" from the cpuinfo flag (GCE's DMI names no VM).
        try check("docker", ExpectedHost(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1.0-17-cloud-amd64", arch: "x86_64"),
            cpu: CPUInfo(model: "AMD EPYC 7B12", logicalCores: 4, load1: 0, load5: 0.01, load15: 0.05),
            memory: MemoryInfo(totalBytes: 16393220 * Self.KiB, availableBytes: 12500000 * Self.KiB, swapTotalBytes: 0, swapFreeBytes: 0),
            uptime: 5000, virtualization: "vm-other", container: "docker"))
    }

    @Test func systemdNspawnContainer() throws {
        try check("nspawn", ExpectedHost(
            os: OSInfo(id: "arch", versionId: nil, prettyName: "Arch Linux", kernel: "6.6.8-arch1-1", arch: "x86_64"),
            cpu: CPUInfo(model: "AMD Ryzen 7 5800X 8-Core Processor", logicalCores: 8, load1: 0.52, load5: 0.58, load15: 0.59),
            memory: MemoryInfo(totalBytes: 32768000 * Self.KiB, availableBytes: 28000000 * Self.KiB, swapTotalBytes: 4194300 * Self.KiB, swapFreeBytes: 4000000 * Self.KiB),
            uptime: 42, virtualization: "none", container: "systemd-nspawn"))
    }

    @Test func bareMetal() throws {
        try check("baremetal", ExpectedHost(
            os: OSInfo(id: "debian", versionId: "12", prettyName: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1.0-18-amd64", arch: "x86_64"),
            cpu: CPUInfo(model: "Intel(R) Xeon(R) Silver 4214 CPU @ 2.20GHz", logicalCores: 4, load1: 3.14, load5: 2.72, load15: 1.41),
            memory: MemoryInfo(totalBytes: 65536000 * Self.KiB, availableBytes: 60000000 * Self.KiB, swapTotalBytes: 1000000 * Self.KiB, swapFreeBytes: 999000 * Self.KiB),
            uptime: 31536000, virtualization: "none", container: "none"))
    }

    @Test func alpineQuotedOSReleaseNoMemAvailable() throws {
        try check("alpine", ExpectedHost(
            os: OSInfo(id: "alpine", versionId: "3.19.1", prettyName: #"Alpine Linux "edge" v3.19 $HOME \o/"#, kernel: "3.2.0-4-amd64", arch: "x86_64"),
            cpu: CPUInfo(model: "QEMU Virtual CPU version 2.5+", logicalCores: 1, load1: 0, load5: 0, load15: 0),
            memory: MemoryInfo(totalBytes: 1015812 * Self.KiB, availableBytes: nil, swapTotalBytes: 0, swapFreeBytes: 0),
            uptime: 7200, virtualization: "vm-other", container: "lxc"))
    }

    @Test func wsl2() throws {
        // The release names no architecture and the fixture has no /proc/sys/kernel/arch: arch stays null.
        try check("wsl2", ExpectedHost(
            os: OSInfo(id: "ubuntu", versionId: "24.04", prettyName: "Ubuntu 24.04.1 LTS", kernel: "5.15.153.1-microsoft-standard-WSL2", arch: nil),
            cpu: CPUInfo(model: "13th Gen Intel(R) Core(TM) i7-1365U", logicalCores: 2, load1: 0.1, load5: 0.05, load15: 0.01),
            memory: MemoryInfo(totalBytes: 8043668 * Self.KiB, availableBytes: 7500000 * Self.KiB, swapTotalBytes: 2097152 * Self.KiB, swapFreeBytes: 2097152 * Self.KiB),
            uptime: 600, virtualization: "vm-other", container: "wsl"))
    }

    @Test func emptyTreeGivesNullEverywhere() throws {
        try check("empty", ExpectedHost(os: OSInfo(), cpu: CPUInfo(), memory: MemoryInfo(), uptime: nil, virtualization: nil, container: nil))
    }

    @Test func missingRootGivesNullEverywhere() throws {
        let probe = HostProbe(root: "/nonexistent-telemetryd-root-\(UUID().uuidString)")
        #expect(probe.osInfo() == OSInfo())
        #expect(probe.cpuInfo() == CPUInfo())
        #expect(probe.memoryInfo() == MemoryInfo())
        #expect(probe.uptimeSec() == nil)
        #expect(probe.virtualization() == nil)
        #expect(probe.container() == nil)
    }

    @Test(arguments: [
        ("debian12-x86_64-kvm", "KVMKVMKVM", "kvm"),
        ("debian12-x86_64-kvm", "TCGTCGTCGTCG", "qemu"),
        ("docker", "KVMKVMKVM", "kvm"),
        ("rhel9-vmware", "VMwareVMware", "vmware"),
        ("wsl2", "Microsoft Hv", "microsoft"),
        ("alpine", "SomethingNew", "vm-other"),
        ("ubuntu-arm64", "KVMKVMKVM", "amazon"),  // Amazon's DMI wins over CPUID, as in systemd
    ])
    func cpuidDecidesTheHypervisor(fixture: String, signature: String, expected: String) throws {
        let probe = HostProbe(root: try HostFixtures.root(fixture), cpuid: HostFixtures.cpuid(signature: signature))
        #expect(probe.virtualization() == expected)
    }

    @Test func cpuidWithoutHypervisorBitOverridesTheCpuinfoFlag() throws {
        // CPUID is authoritative where present: no hypervisor bit and a DMI naming no VM means bare metal.
        let probe = HostProbe(root: try HostFixtures.root("docker"), cpuid: HostFixtures.cpuid(signature: nil))
        #expect(probe.virtualization() == "none")
    }

    @Test func containerProbeKeepsOnlyTheContainerKey() throws {
        let probe = HostProbe(root: try HostFixtures.root("docker"))
        let evidence = probe.containerEvidence()
        #expect(evidence.pid1Container == nil)
        #expect(evidence.dockerenvExists)
        let alpine = HostProbe(root: try HostFixtures.root("alpine")).containerEvidence()
        #expect(alpine.pid1Container == "lxc")
    }

    @Test func fixtureReportCarriesNoEnvironmentOrHostname() throws {
        let probe = HostProbe(root: try HostFixtures.root("docker"))
        let identity = Identity(instanceId: UUID().uuidString.lowercased(), clusterId: UUID().uuidString.lowercased(), clusterIdFromConfig: false)
        let builder = ReportBuilder(probe: probe, identity: identity, features: ConfigFeatures(compression: true, proxy: false, dryRun: false, customCA: false))
        let json = String(decoding: try builder.build(.diagnostics).jsonData(), as: UTF8.self)
        #expect(!json.contains("3f4e5d6c7b8a"))
        #expect(!json.contains("/usr/local/sbin"))
        #expect(json.contains("\"container\":\"docker\""))
    }

    /// The running system: only plausibility, since any host may run the tests.
    @Test func liveRootIsPlausible() {
        let probe = HostProbe(root: "/")
        let os = probe.osInfo()
        #expect(!(os.id ?? "").isEmpty)
        #expect(!(os.kernel ?? "").isEmpty)
        #expect(os.arch != nil)
        let cpu = probe.cpuInfo()
        #expect((cpu.logicalCores ?? 0) >= 1)
        #expect((cpu.load1 ?? -1) >= 0)
        let mem = probe.memoryInfo()
        #expect((mem.totalBytes ?? 0) > 0)
        if let total = mem.totalBytes, let avail = mem.availableBytes { #expect(avail <= total) }
        #expect((probe.uptimeSec() ?? -1) >= 0)
        #expect(probe.virtualization() != nil)
        #expect(probe.container() != nil)
    }
}
