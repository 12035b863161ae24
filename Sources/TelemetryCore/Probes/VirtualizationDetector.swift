/// Everything `systemd-detect-virt --vm` would look at, as gathered by ``HostProbe`` (or a test).
/// `nil` means the source was missing or unreadable.
public struct VirtualizationEvidence: Sendable, Equatable {
    /// CPUID leaf 1 ECX bit 31; nil where CPUID is not available (not x86, or a fixture root).
    public var cpuidHypervisorBit: Bool?
    /// CPUID leaf 0x40000000 vendor signature (EBX ECX EDX, trailing NULs dropped), e.g. `KVMKVMKVM`.
    public var cpuidSignature: String?
    /// `/proc/cpuinfo` as summarized: its `hypervisor` flag stands in for CPUID where CPUID is unavailable.
    public var cpuinfo: CPUInfoSummary?
    public var dmiProductName: String?
    public var dmiSysVendor: String?
    public var dmiBiosVendor: String?
    /// `/proc/xen` exists.
    public var procXenExists: Bool
    /// `/proc/xen/capabilities` says `control_d`: this is Xen's dom0, the host, not a guest.
    public var xenDom0: Bool
    /// `/sys/hypervisor/type`.
    public var sysHypervisorType: String?
    /// `/proc/device-tree/hypervisor/compatible` (NUL-separated list).
    public var deviceTreeHypervisorCompatible: String?
    /// `/proc/device-tree` has a `fw-cfg@…` node (QEMU's firmware config device).
    public var deviceTreeHasFwCfg: Bool

    public init(
        cpuidHypervisorBit: Bool? = nil, cpuidSignature: String? = nil, cpuinfo: CPUInfoSummary? = nil,
        dmiProductName: String? = nil, dmiSysVendor: String? = nil, dmiBiosVendor: String? = nil,
        procXenExists: Bool = false, xenDom0: Bool = false, sysHypervisorType: String? = nil,
        deviceTreeHypervisorCompatible: String? = nil, deviceTreeHasFwCfg: Bool = false
    ) {
        self.cpuidHypervisorBit = cpuidHypervisorBit
        self.cpuidSignature = cpuidSignature
        self.cpuinfo = cpuinfo
        self.dmiProductName = dmiProductName
        self.dmiSysVendor = dmiSysVendor
        self.dmiBiosVendor = dmiBiosVendor
        self.procXenExists = procXenExists
        self.xenDom0 = xenDom0
        self.sysHypervisorType = sysHypervisorType
        self.deviceTreeHypervisorCompatible = deviceTreeHypervisorCompatible
        self.deviceTreeHasFwCfg = deviceTreeHasFwCfg
    }

    /// True when at least one source could be read; with none the answer is unknown (nil), not `none`.
    public var anySource: Bool {
        cpuidHypervisorBit != nil || cpuinfo != nil || dmiProductName != nil || dmiSysVendor != nil
            || dmiBiosVendor != nil || procXenExists || sysHypervisorType != nil
            || deviceTreeHypervisorCompatible != nil || deviceTreeHasFwCfg
    }
}

/// `systemd-detect-virt --vm` (systemd 252 `detect_vm()`), over gathered evidence.
public enum VirtualizationDetector {
    /// CPUID leaf 0x40000000 signatures, as systemd's table.
    public static func fromCPUIDSignature(_ signature: String) -> String? {
        switch signature {
        case "XenVMMXenVMM": return "xen"
        case "KVMKVMKVM", "Linux KVM Hv": return "kvm"
        case "TCGTCGTCGTCG": return "qemu"
        case "VMwareVMware": return "vmware"
        case "Microsoft Hv": return "microsoft"
        case "bhyve bhyve ": return "bhyve"
        case "QNXQVMBSQG": return "qnx"
        case "ACRNACRNACRN": return "acrn"
        case "SRESRESRESRE": return "sre"
        case "Apple VZ": return "apple"
        default: return nil
        }
    }

    static let dmiVendors: [(prefix: String, name: String)] = [
        ("KVM", "kvm"), ("OpenStack", "kvm"), ("KubeVirt", "kvm"), ("Amazon EC2", "amazon"), ("QEMU", "qemu"),
        ("VMware", "vmware"), ("VMW", "vmware"), ("innotek GmbH", "oracle"), ("VirtualBox", "oracle"),
        ("Xen", "xen"), ("Bochs", "bochs"), ("Parallels", "parallels"), ("BHYVE", "bhyve"),
        ("Hyper-V", "microsoft"), ("Apple Virtualization", "apple"),
    ]

    /// DMI strings checked in systemd's order (product name, system vendor, BIOS vendor) against its vendor
    /// prefixes. An Amazon EC2 `*.metal` instance is bare metal. Nil when nothing matches.
    public static func fromDMI(productName: String?, sysVendor: String?, biosVendor: String?) -> String? {
        for value in [productName, sysVendor, biosVendor] {
            guard let v = value?.trimmedASCII(), !v.isEmpty else { continue }
            if let hit = dmiVendors.first(where: { v.hasPrefix($0.prefix) }) {
                if hit.name == "amazon", let p = productName?.trimmedASCII(), p.hasSuffix(".metal") { return "none" }
                return hit.name
            }
        }
        return nil
    }

    /// `/proc/device-tree/hypervisor/compatible`: `linux,kvm` → kvm, `xen` → xen, `vmware` → vmware, else vm-other.
    public static func fromDeviceTree(compatible: String) -> String {
        let entries = compatible.split(whereSeparator: { $0 == "\u{0}" || $0 == "\n" }).map { $0.trimmedASCII() }
        if entries.contains("linux,kvm") { return "kvm" }
        if compatible.contains("xen") { return "xen" }
        if compatible.contains("vmware") { return "vmware" }
        return "vm-other"
    }

    /// The systemd answer: `none`, `kvm`, `amazon`, …, `vm-other`; nil when no source was readable at all.
    public static func detect(_ e: VirtualizationEvidence) -> String? {
        guard e.anySource else { return nil }
        var other = false
        // 1. DMI names that win even over CPUID (they run on KVM or cloak as Hyper-V).
        let dmi = fromDMI(productName: e.dmiProductName, sysVendor: e.dmiSysVendor, biosVendor: e.dmiBiosVendor)
        if let dmi, ["oracle", "xen", "amazon", "parallels"].contains(dmi) { return dmi }
        // 2. User-mode Linux.
        if e.cpuinfo?.vendorId == "User Mode Linux" { return "uml" }
        // 3. Xen PV (unless this is dom0, the host).
        if e.procXenExists && !e.xenDom0 { return "xen" }
        // 4. CPUID; where unavailable, the cpuinfo `hypervisor` flag says "some VM".
        if let bit = e.cpuidHypervisorBit {
            if bit {
                if let sig = e.cpuidSignature, let name = fromCPUIDSignature(sig) { return name }
                other = true
            }
        } else if e.cpuinfo?.hypervisorFlag == true {
            other = true
        }
        if e.xenDom0 { return other ? "vm-other" : "none" }
        // 5. DMI.
        if let dmi { return dmi }
        // 6. /sys/hypervisor/type.
        if let t = e.sysHypervisorType?.trimmedASCII(), !t.isEmpty {
            return t == "xen" ? "xen" : "vm-other"
        }
        // 7. Device tree (arm64, ppc).
        if let c = e.deviceTreeHypervisorCompatible, !c.isEmpty { return fromDeviceTree(compatible: c) }
        if e.deviceTreeHasFwCfg { return "qemu" }
        return other ? "vm-other" : "none"
    }
}
