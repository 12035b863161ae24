#if canImport(Glibc)
import Glibc
#endif
import CShims
import Logging
import TelemetryWire

extension CPUIDReader {
    /// The processor's own CPUID through the C shim; nil on every call where CPUID does not exist.
    public static let host = CPUIDReader { leaf, subleaf in
        var regs: [UInt32] = [0, 0, 0, 0]
        let ok = regs.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return Int32(0) }
            return telemetryd_cpuid(leaf, subleaf, base)
        }
        guard ok == 1 else { return nil }
        return (regs[0], regs[1], regs[2], regs[3])
    }
}

/// Reads the host's facts from a root directory (`/` in production, a fixture tree in tests).
/// Every accessor returns nil for a missing or malformed source and logs at debug level; it never throws.
///
/// It reads only: `/etc/os-release` (else `/usr/lib/os-release`), `/proc/cpuinfo`, `/proc/loadavg`,
/// `/proc/meminfo`, `/proc/uptime`, `/proc/sys/kernel/osrelease`, `/proc/sys/kernel/arch`,
/// `/sys/devices/system/cpu/online`, DMI `sys_vendor`/`product_name`/`bios_vendor`, `/proc/xen`,
/// `/sys/hypervisor/type`, `/proc/device-tree/hypervisor/compatible`, container markers
/// (`/run/host/container-manager`, `/run/systemd/container`, `/.dockerenv`, `/run/.containerenv`, `/proc/vz`)
/// the single `container=` key of `/proc/1/environ`, and in a container the memory and CPU limits at the root of
/// `/sys/fs/cgroup` (see CgroupLimits). On the live root `/` also `uname(2)`, `sysinfo(2)`,
/// `sched_getaffinity(2)` and CPUID. Never hostnames, machine or boot IDs, addresses or other environment.
public struct HostProbe: Sendable {
    public let root: String
    public let logger: Logger
    /// CPUID for virtualization detection; real only on the live root unless a test injects one.
    public let cpuid: CPUIDReader
    let files: ProbeFiles

    /// Whether this probe reads the running system, so system calls may stand in for files.
    public var isLiveRoot: Bool { root == "/" || root.isEmpty }

    public init(root: String = "/", logger: Logger = Logger(label: "telemetryd.probe"), cpuid: CPUIDReader? = nil) {
        self.root = root
        self.logger = logger
        self.files = ProbeFiles(root: root)
        self.cpuid = cpuid ?? ((root == "/" || root.isEmpty) ? .host : .unavailable)
    }

    // MARK: Reading

    /// The file's text, or nil (logged at debug) when missing, not a regular file or unreadable.
    func text(_ relative: String) -> String? {
        bytes(relative).map { String(decoding: $0, as: UTF8.self) }
    }

    func bytes(_ relative: String) -> [UInt8]? {
        switch files.read(relative) {
        case .success(let b):
            return b
        case .failure(let why):
            logger.debug("host probe: \(files.path(relative)) unavailable (\(why)); what it feeds is reported as null",
                         metadata: ["path": "\(files.path(relative))", "reason": "\(why)"])
            return nil
        }
    }

    /// The first line of a one-line file, trimmed; nil when missing or empty.
    func firstLine(_ relative: String) -> String? {
        guard let t = text(relative), let line = probeLines(t).first?.trimmedASCII(), !line.isEmpty else { return nil }
        return line
    }

    func malformed(_ relative: String) {
        logger.debug("host probe: source malformed, field left null", metadata: ["path": "\(files.path(relative))"])
    }

    // MARK: OS

    public func osInfo() -> OSInfo {
        var info = OSInfo()
        // os-release(5): /etc first, /usr/lib only when /etc has none.
        for candidate in ["etc/os-release", "usr/lib/os-release"] {
            guard let b = bytes(candidate) else { continue }
            let release = OSRelease(parsing: b)
            info.id = release.id
            info.versionId = release.versionId
            info.prettyName = release.prettyName
            if info.id == nil { malformed(candidate) }
            break
        }
        let uts = isLiveRoot ? Self.uname() : nil
        info.kernel = uts?.release ?? firstLine("proc/sys/kernel/osrelease")
        if let machine = uts?.machine {
            info.arch = KernelArch.normalize(machine)
        } else if let arch = firstLine("proc/sys/kernel/arch").flatMap(KernelArch.normalize) {
            info.arch = arch
        } else if let kernel = info.kernel {
            info.arch = KernelArch.fromKernelRelease(kernel)
        }
        return info
    }

    /// `uname(2)` release and machine; the node name is never looked at.
    static func uname() -> (release: String, machine: String)? {
        var u = utsname()
        guard Glibc.uname(&u) == 0 else { return nil }
        func field<T>(_ tuple: T) -> String {
            withUnsafeBytes(of: tuple) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        let release = field(u.release)
        let machine = field(u.machine)
        guard !release.isEmpty, !machine.isEmpty else { return nil }
        return (release, machine)
    }

    // MARK: CPU

    /// `limits`: the container's cgroup limits (nil outside a container): `logicalCores` is then what the
    /// container may use, `hostLogicalCores` stays the host's.
    public func cpuInfo(limits: CgroupLimits? = nil) -> CPUInfo {
        var info = CPUInfo()
        let summary = text("proc/cpuinfo").map(CPUInfoSummary.init(parsing:))
        info.model = summary?.model
        let online = text("sys/devices/system/cpu/online").flatMap(CPUListParser.count)
        if let n = online {
            info.hostLogicalCores = n
        } else if let n = summary?.processorCount, n > 0 {
            info.hostLogicalCores = n
        }
        if isLiveRoot, let n = Self.affinityCount() {
            info.logicalCores = n
        } else if let n = summary?.processorCount, n > 0 {
            info.logicalCores = n
        } else if let n = online {
            info.logicalCores = n
        } else if files.exists("sys/devices/system/cpu/online") {
            malformed("sys/devices/system/cpu/online")
        }
        if let cap = limits?.cpus {
            info.logicalCores = min(info.logicalCores ?? cap, cap)
        }
        if info.hostLogicalCores == nil { info.hostLogicalCores = info.logicalCores }
        if let t = text("proc/loadavg") {
            if let l = LoadAverage(parsing: t) {
                info.load1 = l.load1
                info.load5 = l.load5
                info.load15 = l.load15
            } else {
                malformed("proc/loadavg")
            }
        }
        return info
    }

    /// CPUs this process may run on (`sched_getaffinity(2)`, hosts beyond 1024 CPUs included).
    static func affinityCount() -> Int? {
        let n = telemetryd_affinity_count()
        return n > 0 ? Int(n) : nil
    }

    // MARK: Memory

    /// `limits`: the container's cgroup limits (nil outside a container): `totalBytes` is then what the
    /// container may use (at most the host's), `hostTotalBytes` stays the host's.
    public func memoryInfo(limits: CgroupLimits? = nil) -> MemoryInfo {
        var info = text("proc/meminfo").map(MemInfoParser.parse) ?? MemoryInfo()
        if info.totalBytes == nil { malformed("proc/meminfo") }
        info.hostTotalBytes = info.totalBytes
        if let cap = limits?.memoryBytes {
            info.totalBytes = min(info.totalBytes ?? cap, cap)
        }
        return info
    }

    /// The limits of the cgroup namespace's root (`/sys/fs/cgroup`): what a container may use.
    public func cgroupLimits() -> CgroupLimits {
        CgroupLimits.read(files)
    }

    // MARK: Uptime

    public func uptimeSec() -> Int? {
        if isLiveRoot {
            let up = telemetryd_sysinfo_uptime()
            if up >= 0, up < Int64(Int32.max) { return Int(up) }
        }
        guard let t = text("proc/uptime") else { return nil }
        guard let up = UptimeParser.parse(t) else {
            malformed("proc/uptime")
            return nil
        }
        return up
    }

    // MARK: Virtualization

    /// What `systemd-detect-virt --vm` would gather on this root.
    public func virtualizationEvidence() -> VirtualizationEvidence {
        var e = VirtualizationEvidence()
        if let leaf1 = cpuid(1) {
            let bit = leaf1.ecx & (1 << 31) != 0
            e.cpuidHypervisorBit = bit
            if bit, let vendor = cpuid(0x4000_0000) {
                e.cpuidSignature = cpuidSignature(ebx: vendor.ebx, ecx: vendor.ecx, edx: vendor.edx)
            }
        }
        e.cpuinfo = text("proc/cpuinfo").map(CPUInfoSummary.init(parsing:))
        e.dmiProductName = firstLine("sys/class/dmi/id/product_name")
        e.dmiSysVendor = firstLine("sys/class/dmi/id/sys_vendor")
        e.dmiBiosVendor = firstLine("sys/class/dmi/id/bios_vendor")
        e.procXenExists = files.exists("proc/xen")
        if e.procXenExists, let caps = text("proc/xen/capabilities") { e.xenDom0 = caps.contains("control_d") }
        e.sysHypervisorType = firstLine("sys/hypervisor/type")
        if let dt = bytes("proc/device-tree/hypervisor/compatible") {
            e.deviceTreeHypervisorCompatible = String(decoding: dt, as: UTF8.self)
        }
        if files.isDirectory("proc/device-tree") {
            e.deviceTreeHasFwCfg = files.list("proc/device-tree").contains { $0.hasPrefix("fw-cfg") }
        }
        return e
    }

    /// As `systemd-detect-virt --vm` says it: `none`, `kvm`, `qemu`, `vmware`, `microsoft`, `amazon`, …;
    /// nil when nothing could be read.
    public func virtualization() -> String? {
        let v = VirtualizationDetector.detect(virtualizationEvidence())
        if v == nil { logger.debug("host probe: no virtualization source readable", metadata: ["root": "\(root)"]) }
        return v
    }

    // MARK: Container

    /// What `systemd-detect-virt --container` would gather on this root.
    public func containerEvidence() -> ContainerEvidence {
        var e = ContainerEvidence()
        e.procVzExists = files.exists("proc/vz")
        e.procBcExists = files.exists("proc/bc")
        e.kernelRelease = isLiveRoot ? (Self.uname()?.release ?? firstLine("proc/sys/kernel/osrelease"))
            : firstLine("proc/sys/kernel/osrelease")
        e.runHostContainerManager = firstLine("run/host/container-manager")
        e.runSystemdContainer = firstLine("run/systemd/container")
        if e.runHostContainerManager == nil && e.runSystemdContainer == nil, let env = bytes("proc/1/environ") {
            e.pid1Container = ProcEnvironParser.containerValue(env)
        }
        e.containerenvExists = files.exists("run/.containerenv")
        e.dockerenvExists = files.exists(".dockerenv")
        e.rootHasSystemDirectories = files.isDirectory("proc") || files.isDirectory("run")
        return e
    }

    /// As `systemd-detect-virt --container` says it: `none`, `docker`, `podman`, `systemd-nspawn`, `lxc`, `wsl`, …;
    /// nil when the root has nothing to tell from.
    public func container() -> String? {
        let c = ContainerDetector.detect(containerEvidence())
        if c == nil { logger.debug("host probe: no container source readable", metadata: ["root": "\(root)"]) }
        return c
    }
}
