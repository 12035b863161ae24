/// What the cgroup at the root of this (container's) cgroup namespace allows: the container's memory and CPU
/// limits, as `/sys/fs/cgroup` shows them inside the container.
///
/// Only the namespace root is read, never the daemon's own cgroup below it: inside a container telemetryd runs in
/// its own unit (`telemetryd.service`), whose limits say nothing about what the product may use.
/// cgroup v2: `memory.max`, `cpu.max` ("QUOTA PERIOD" or "max PERIOD"), `cpuset.cpus.effective`.
/// cgroup v1: `memory/memory.limit_in_bytes` (values near 2^63 mean none), `cpu/cpu.cfs_quota_us` (-1 means
/// none) with `cpu.cfs_period_us`, `cpuset/cpuset.effective_cpus` (else `cpuset.cpus`).
public struct CgroupLimits: Sendable, Equatable {
    /// Bytes of memory the container may use; nil without a limit.
    public var memoryBytes: UInt64?
    /// CPUs the container may use (CPU quota rounded up, or the cpuset's size, whichever is smaller); nil without a limit.
    public var cpus: Int?

    public init(memoryBytes: UInt64? = nil, cpus: Int? = nil) {
        self.memoryBytes = memoryBytes
        self.cpus = cpus
    }

    /// v1 reports "no limit" as the largest page-aligned signed 64-bit value (9223372036854771712); anything at or
    /// above 2^62 is treated as none.
    static let unlimitedThreshold: UInt64 = 1 << 62

    /// Reads the limits from `files` (the probe's root); never fails: unreadable files mean no limit.
    public static func read(_ files: ProbeFiles) -> CgroupLimits {
        func text(_ p: String) -> String? {
            guard case .success(let b) = files.read(p, cap: 4096) else { return nil }
            return String(decoding: b, as: UTF8.self)
        }
        if files.exists("sys/fs/cgroup/cgroup.controllers") {
            return CgroupLimits(v2MemoryMax: text("sys/fs/cgroup/memory.max"), cpuMax: text("sys/fs/cgroup/cpu.max"),
                                cpuset: text("sys/fs/cgroup/cpuset.cpus.effective"))
        }
        let cpuDir = files.isDirectory("sys/fs/cgroup/cpu") ? "sys/fs/cgroup/cpu" : "sys/fs/cgroup/cpu,cpuacct"
        return CgroupLimits(
            v1MemoryLimit: text("sys/fs/cgroup/memory/memory.limit_in_bytes"),
            cfsQuota: text("\(cpuDir)/cpu.cfs_quota_us"), cfsPeriod: text("\(cpuDir)/cpu.cfs_period_us"),
            cpuset: text("sys/fs/cgroup/cpuset/cpuset.effective_cpus") ?? text("sys/fs/cgroup/cpuset/cpuset.cpus"))
    }

    /// cgroup v2 files' contents (nil: file absent).
    public init(v2MemoryMax: String?, cpuMax: String?, cpuset: String?) {
        memoryBytes = v2MemoryMax.flatMap(Self.memoryLimit)
        var cpus: Int?
        if let fields = cpuMax?.trimmedASCII().split(separator: " "), fields.count == 2, fields[0] != "max",
           let quota = parseDecimalUInt64(fields[0]), let period = parseDecimalUInt64(fields[1]) {
            cpus = Self.quotaCPUs(quota: quota, period: period)
        }
        self.cpus = Self.smaller(cpus, cpuset.flatMap(CPUListParser.count))
    }

    /// cgroup v1 files' contents (nil: file absent).
    public init(v1MemoryLimit: String?, cfsQuota: String?, cfsPeriod: String?, cpuset: String?) {
        memoryBytes = v1MemoryLimit.flatMap(Self.memoryLimit)
        var cpus: Int?
        if let q = cfsQuota?.trimmedASCII(), !q.hasPrefix("-"), let quota = parseDecimalUInt64(Substring(q)),
           let p = cfsPeriod?.trimmedASCII(), let period = parseDecimalUInt64(Substring(p)) {
            cpus = Self.quotaCPUs(quota: quota, period: period)
        }
        self.cpus = Self.smaller(cpus, cpuset.flatMap(CPUListParser.count))
    }

    static func memoryLimit(_ text: String) -> UInt64? {
        let t = text.trimmedASCII()
        guard t != "max", let v = parseDecimalUInt64(Substring(t)), v > 0, v < unlimitedThreshold else { return nil }
        return v
    }

    /// `ceil(quota / period)`, at least 1.
    static func quotaCPUs(quota: UInt64, period: UInt64) -> Int? {
        guard quota > 0, period > 0 else { return nil }
        let n = (quota + period - 1) / period
        return n > 65536 ? nil : max(1, Int(n))
    }

    static func smaller(_ a: Int?, _ b: Int?) -> Int? {
        switch (a, b) {
        case let (x?, y?): min(x, y)
        case let (x?, nil): x
        case let (nil, y?): y
        case (nil, nil): nil
        }
    }
}
