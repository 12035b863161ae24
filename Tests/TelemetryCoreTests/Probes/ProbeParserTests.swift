import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire

@Suite struct ProbeOSReleaseTests {
    @Test func quotingAndEscapesAsSystemdReadsThem() {
        let r = OSRelease(parsing: """
        # comment line
        ; another comment
        A=plain
        B="double \\"quoted\\" \\$x \\`y\\` \\\\ \\n kept"
        C='single $literal \\ "x"'
        D=unquoted\\ with\\ escaped\\ blanks   
        E="joined"'parts'tail
        F=
        G="multi
        line"
        H=cont\\
        inued
          I = spaced-key
        1BAD=x
        BAD-KEY=y
        NOEQUALS
        A=last-wins
        """)
        #expect(r.fields["A"] == "last-wins")
        #expect(r.fields["B"] == #"double "quoted" $x `y` \ \n kept"#)
        #expect(r.fields["C"] == #"single $literal \ "x""#)
        #expect(r.fields["D"] == "unquoted with escaped blanks")
        #expect(r.fields["E"] == "joinedpartstail")
        #expect(r.fields["F"] == "")
        #expect(r.fields["G"] == "multi\nline")
        #expect(r.fields["H"] == "continued")
        #expect(r.fields["I"] == "spaced-key")
        #expect(r.fields["1BAD"] == nil)
        #expect(r.fields["BAD-KEY"] == nil)
        #expect(r.fields["NOEQUALS"] == nil)
    }

    @Test func emptyValuesAreNil() {
        let r = OSRelease(parsing: "ID=\nVERSION_ID=\"\"\nPRETTY_NAME=''\n")
        #expect(r.id == nil)
        #expect(r.versionId == nil)
        #expect(r.prettyName == nil)
    }

    @Test func crlfAndMissingFinalNewline() {
        let r = OSRelease(parsing: "ID=debian\r\nVERSION_ID=\"12\"\r\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"")
        #expect(r.id == "debian")
        #expect(r.versionId == "12")
        #expect(r.prettyName == "Debian GNU/Linux 12 (bookworm)")
    }

    @Test func unterminatedQuoteKeepsWhatWasRead() {
        let r = OSRelease(parsing: "ID=fedora\nPRETTY_NAME=\"Fedora Linux 39")
        #expect(r.id == "fedora")
        #expect(r.prettyName == "Fedora Linux 39")
    }

    @Test func invalidUTF8IsRepairedNotFatal() {
        let r = OSRelease(parsing: Array("ID=de".utf8) + [0xFF, 0xFE] + Array("bian\n".utf8))
        #expect(r.id == "de\u{FFFD}\u{FFFD}bian")
    }
}

@Suite struct ProbeCPUInfoTests {
    @Test func x86BlocksCountProcessors() {
        let s = CPUInfoSummary(parsing: "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\nflags\t\t: fpu hypervisor lm\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R)\n\n")
        #expect(s == CPUInfoSummary(model: "Intel(R) Xeon(R)", processorCount: 2, hypervisorFlag: true, vendorId: "GenuineIntel"))
    }

    @Test func crlfLines() {
        let s = CPUInfoSummary(parsing: "processor\t: 0\r\nmodel name\t: CRLF CPU\r\n\r\nprocessor\t: 1\r\n")
        #expect(s.model == "CRLF CPU")
        #expect(s.processorCount == 2)
    }

    @Test func arm64WithoutModelName() {
        let arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nCPU part\t: 0xd40\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd40\n"
        #expect(CPUInfoSummary(parsing: arm) == CPUInfoSummary(model: "ARM Neoverse-V1", processorCount: 2))
        #expect(CPUInfoSummary(parsing: "processor : 0\nCPU implementer : 0xc0\nCPU part : 0xac3\n").model == "Ampere Ampere-1")
        #expect(CPUInfoSummary(parsing: "processor : 0\nCPU implementer : 0x51\nCPU part : 0x800\n").model == nil)
        #expect(CPUInfoSummary(parsing: "processor : 0\nCPU implementer : 0x41\nCPU part : zzz\n").model == nil)
        #expect(CPUInfoSummary(parsing: "processor : 0\nHardware : BCM2835\nCPU implementer : 0x41\nCPU part : 0xd08\n").model == "BCM2835")
    }

    @Test func otherArchitectures() {
        let power = "processor\t: 0\ncpu\t\t: POWER9 (raw), altivec supported\nclock\t\t: 2300.000000MHz\n\nprocessor\t: 1\ncpu\t\t: POWER9 (raw), altivec supported\n"
        #expect(CPUInfoSummary(parsing: power) == CPUInfoSummary(model: "POWER9 (raw), altivec supported", processorCount: 2))
        let riscv = "processor\t: 0\nhart\t\t: 1\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\nuarch\t\t: sifive,u74-mc\n"
        #expect(CPUInfoSummary(parsing: riscv).model == "sifive,u74-mc")
        let s390 = "vendor_id       : IBM/S390\n# processors    : 4\nbogomips per cpu: 3241.00\nprocessor 0: version = FF,  identification = 0133E8,  machine = 2964\n"
        #expect(CPUInfoSummary(parsing: s390).processorCount == 4)
        // x86 "cpu family"/"cpu MHz"/"cpu cores" are not the POWER "cpu" key.
        #expect(CPUInfoSummary(parsing: "processor : 0\ncpu family : 6\ncpu MHz : 2000\ncpu cores : 2\n").model == nil)
    }

    @Test func garbageAndOddProcessorLines() {
        #expect(CPUInfoSummary(parsing: "") == CPUInfoSummary())
        #expect(CPUInfoSummary(parsing: "no colon here\n:::\n: value\n") == CPUInfoSummary())
        // s390x-style "processor 0:" and non-numeric values are not processor entries.
        #expect(CPUInfoSummary(parsing: "processor 0: version = FF\nprocessor : x\nprocessor : 99999999999999999999999\n").processorCount == 0)
        #expect(CPUInfoSummary(parsing: "model name\t:   \n").model == nil)
        #expect(CPUInfoSummary(parsing: "flags : hypervisorx\n").hypervisorFlag == false)
    }
}

@Suite struct ProbeMemInfoTests {
    @Test func realLayout() {
        let m = MemInfoParser.parse("MemTotal:       16318412 kB\nMemFree:         1000000 kB\nMemAvailable:   12000000 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nHugePages_Total:       0\n")
        #expect(m == MemoryInfo(totalBytes: 16318412 * 1024, availableBytes: 12000000 * 1024, swapTotalBytes: 0, swapFreeBytes: 0))
    }

    @Test func missingFieldsAreNil() {
        #expect(MemInfoParser.parse("MemTotal: 1024 kB\n") == MemoryInfo(totalBytes: 1024 * 1024))
        #expect(MemInfoParser.parse("") == MemoryInfo())
    }

    @Test func malformedValuesAreNil() {
        #expect(MemInfoParser.parse("MemTotal: 1024\n").totalBytes == nil)            // no unit
        #expect(MemInfoParser.parse("MemTotal: 1024 MB\n").totalBytes == nil)         // wrong unit
        #expect(MemInfoParser.parse("MemTotal: -1024 kB\n").totalBytes == nil)
        #expect(MemInfoParser.parse("MemTotal: 1e9 kB\n").totalBytes == nil)
        #expect(MemInfoParser.parse("MemTotal:\n").totalBytes == nil)                 // truncated
        #expect(MemInfoParser.parse("MemTotal: 10 20 kB\n").totalBytes == nil)
        #expect(MemInfoParser.parse("MemTotalX: 1 kB\nMemTotal 2 kB\n").totalBytes == nil)
    }

    @Test func hugeNumbers() {
        // 2^64/1024 - 1 KiB still fits; one more overflows; 21 digits never parse.
        #expect(MemInfoParser.parse("MemTotal: 18014398509481983 kB\n").totalBytes == UInt64(18014398509481983) * 1024)
        #expect(MemInfoParser.parse("MemTotal: 18014398509481984 kB\n").totalBytes == nil)
        #expect(MemInfoParser.parse("MemTotal: 18446744073709551616 kB\n").totalBytes == nil)
        #expect(MemInfoParser.parse("MemTotal: 999999999999999999999999 kB\n").totalBytes == nil)
    }

    @Test func crlfAndTabs() {
        #expect(MemInfoParser.parse("MemTotal:\t2048 kB\r\nSwapFree:\t1 kB\r\n") == MemoryInfo(totalBytes: 2048 * 1024, swapFreeBytes: 1024))
    }

    @Test func firstOccurrenceWins() {
        #expect(MemInfoParser.parse("MemTotal: 1 kB\nMemTotal: 2 kB\n").totalBytes == 1024)
    }
}

@Suite struct ProbeSmallFileTests {
    @Test func loadAverage() {
        #expect(LoadAverage(parsing: "0.15 0.10 0.05 1/123 4567\n") == LoadAverage(load1: 0.15, load5: 0.10, load15: 0.05))
        #expect(LoadAverage(parsing: "12.00 8.50 4.25 10/2000 1\r\n") == LoadAverage(load1: 12, load5: 8.5, load15: 4.25))
        #expect(LoadAverage(parsing: "0.15 0.10") == nil)
        #expect(LoadAverage(parsing: "") == nil)
        #expect(LoadAverage(parsing: "nan inf 1.0") == nil)
        #expect(LoadAverage(parsing: "-1.0 0.1 0.1") == nil)
        #expect(LoadAverage(parsing: "1e400 0.1 0.1") == nil)
        #expect(LoadAverage(parsing: "1.2.3 0.1 0.1") == nil)
        #expect(LoadAverage(parsing: "\n0.1 0.2 0.3") == nil)  // only the first line counts
        #expect(LoadAverage(parsing: String(repeating: "9", count: 400) + " 1 1") == nil)
    }

    @Test func uptime() {
        #expect(UptimeParser.parse("356442.17 701233.90\n") == 356442)
        #expect(UptimeParser.parse("0.99 0.00") == 0)
        #expect(UptimeParser.parse("42") == 42)
        #expect(UptimeParser.parse("") == nil)
        #expect(UptimeParser.parse("abc 1") == nil)
        #expect(UptimeParser.parse("-5.0 1") == nil)
        #expect(UptimeParser.parse("99999999999999999999.0 1") == nil)
    }

    @Test func cpuLists() {
        #expect(CPUListParser.count("0-3,8,10-11\n") == 7)
        #expect(CPUListParser.count("0") == 1)
        #expect(CPUListParser.count("0-63") == 64)
        #expect(CPUListParser.count("") == nil)
        #expect(CPUListParser.count("3-1") == nil)
        #expect(CPUListParser.count("0-") == nil)
        #expect(CPUListParser.count("0,,1") == nil)
        #expect(CPUListParser.count("a-b") == nil)
        #expect(CPUListParser.count("0-4294967295") == nil)
        #expect(CPUListParser.count("0-1-2") == nil)
    }

    @Test func environKeepsOnlyContainer() {
        func env(_ s: String) -> [UInt8] { Array(s.utf8).map { $0 == UInt8(ascii: "|") ? 0 : $0 } }
        #expect(ProcEnvironParser.containerValue(env("HOME=/root|container=podman|TERM=xterm|")) == "podman")
        #expect(ProcEnvironParser.containerValue(env("container=lxc")) == "lxc")
        #expect(ProcEnvironParser.containerValue(env("xcontainer=docker|CONTAINER=docker|container|")) == nil)
        #expect(ProcEnvironParser.containerValue(env("container=|")) == nil)
        #expect(ProcEnvironParser.containerValue([]) == nil)
    }

    @Test func kernelArch() {
        #expect(KernelArch.normalize("amd64") == "x86_64")
        #expect(KernelArch.normalize("x86_64\n") == "x86_64")
        #expect(KernelArch.normalize("arm64") == "aarch64")
        #expect(KernelArch.normalize("AARCH64") == "aarch64")
        #expect(KernelArch.normalize("i586") == "i686")
        #expect(KernelArch.normalize("ppc64el") == "ppc64le")
        #expect(KernelArch.normalize("") == nil)
        #expect(KernelArch.normalize("vax") == nil)
        #expect(KernelArch.fromKernelRelease("5.14.0-362.8.1.el9_3.x86_64") == "x86_64")
        #expect(KernelArch.fromKernelRelease("6.8.9-300.fc40.aarch64") == "aarch64")
        #expect(KernelArch.fromKernelRelease("6.1.0-13-amd64") == "x86_64")
        #expect(KernelArch.fromKernelRelease("6.1.0-13-cloud-arm64") == "aarch64")
        #expect(KernelArch.fromKernelRelease("6.1.0-13-686-pae") == "i686")
        #expect(KernelArch.fromKernelRelease("6.1.0-13-armmp-lpae") == "armv7l")
        #expect(KernelArch.fromKernelRelease("6.5.0-1014-aws") == nil)
        #expect(KernelArch.fromKernelRelease("6.6.8") == nil)
        #expect(KernelArch.fromKernelRelease("") == nil)
    }

    @Test func cpuidSignatureFromRegisters() {
        // "KVMKVMKVM\0\0\0" as EBX ECX EDX.
        #expect(cpuidSignature(ebx: 0x4b4d_564b, ecx: 0x564b_4d56, edx: 0x0000_004d) == "KVMKVMKVM")
        #expect(cpuidSignature(ebx: 0x7263_694d, ecx: 0x666f_736f, edx: 0x7648_2074) == "Microsoft Hv")
        #expect(cpuidSignature(ebx: 0, ecx: 0, edx: 0) == "")
    }
}

@Suite struct ProbeDetectorTests {
    @Test func virtualizationOrderFollowsSystemd() {
        typealias E = VirtualizationEvidence
        #expect(VirtualizationDetector.detect(E()) == nil)
        #expect(VirtualizationDetector.detect(E(cpuinfo: CPUInfoSummary())) == "none")
        // CPUID names the hypervisor even when DMI says QEMU.
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "KVMKVMKVM", dmiSysVendor: "QEMU")) == "kvm")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "Linux KVM Hv")) == "kvm")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "bhyve bhyve ")) == "bhyve")
        // VirtualBox (KVM paravirt underneath), Xen cloaked as Hyper-V, Amazon and Parallels: DMI first.
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "KVMKVMKVM", dmiProductName: "VirtualBox", dmiSysVendor: "innotek GmbH")) == "oracle")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "Microsoft Hv", dmiSysVendor: "Xen")) == "xen")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "KVMKVMKVM", dmiProductName: "m5.large", dmiSysVendor: "Amazon EC2")) == "amazon")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: false, dmiProductName: "c6g.metal", dmiSysVendor: "Amazon EC2")) == "none")
        #expect(VirtualizationDetector.detect(E(dmiProductName: "Parallels Virtual Platform")) == "parallels")
        #expect(VirtualizationDetector.detect(E(dmiBiosVendor: "Bochs")) == "bochs")
        #expect(VirtualizationDetector.detect(E(dmiProductName: "BHYVE")) == "bhyve")
        #expect(VirtualizationDetector.detect(E(cpuinfo: CPUInfoSummary(vendorId: "User Mode Linux"))) == "uml")
        #expect(VirtualizationDetector.detect(E(procXenExists: true)) == "xen")
        // Xen dom0 is the host: none unless CPUID shows a hypervisor below it.
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: false, procXenExists: true, xenDom0: true, sysHypervisorType: "xen")) == "none")
        #expect(VirtualizationDetector.detect(E(sysHypervisorType: "xen")) == "xen")
        #expect(VirtualizationDetector.detect(E(sysHypervisorType: "kvm")) == "vm-other")
        #expect(VirtualizationDetector.detect(E(deviceTreeHypervisorCompatible: "linux,kvm\u{0}")) == "kvm")
        #expect(VirtualizationDetector.detect(E(deviceTreeHypervisorCompatible: "xen,xen-4.17\u{0}xen,xen\u{0}")) == "xen")
        #expect(VirtualizationDetector.detect(E(deviceTreeHypervisorCompatible: "acme,hv\u{0}")) == "vm-other")
        #expect(VirtualizationDetector.detect(E(deviceTreeHasFwCfg: true)) == "qemu")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "NewHV")) == "vm-other")
        #expect(VirtualizationDetector.detect(E(cpuidHypervisorBit: true, cpuidSignature: "NewHV", dmiProductName: "KVM")) == "kvm")
    }

    @Test func containerOrderFollowsSystemd() {
        typealias E = ContainerEvidence
        #expect(ContainerDetector.detect(E(rootHasSystemDirectories: false)) == nil)
        #expect(ContainerDetector.detect(E()) == "none")
        #expect(ContainerDetector.detect(E(procVzExists: true)) == "openvz")
        #expect(ContainerDetector.detect(E(procVzExists: true, procBcExists: true)) == "none")
        #expect(ContainerDetector.detect(E(kernelRelease: "4.4.0-19041-Microsoft")) == "wsl")
        #expect(ContainerDetector.detect(E(kernelRelease: "6.1.0-13-amd64")) == "none")
        #expect(ContainerDetector.detect(E(runHostContainerManager: "podman", runSystemdContainer: "docker")) == "podman")
        #expect(ContainerDetector.detect(E(runSystemdContainer: "systemd-nspawn", pid1Container: "lxc")) == "systemd-nspawn")
        #expect(ContainerDetector.detect(E(pid1Container: "lxc-libvirt")) == "lxc-libvirt")
        #expect(ContainerDetector.detect(E(pid1Container: "oci", containerenvExists: true)) == "podman")
        #expect(ContainerDetector.detect(E(pid1Container: "oci")) == "container-other")
        #expect(ContainerDetector.detect(E(pid1Container: "flatpak")) == "container-other")
        #expect(ContainerDetector.detect(E(containerenvExists: true, dockerenvExists: true)) == "podman")
        #expect(ContainerDetector.detect(E(dockerenvExists: true, rootHasSystemDirectories: false)) == "docker")
        #expect(ContainerDetector.detect(E(runSystemdContainer: "  ")) == "none")
    }
}

@Suite struct ProbeFileTests {
    static func tempDir() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("probe-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/proc", withIntermediateDirectories: true)
        return dir
    }

    @Test func readsAreCappedAtOneMiB() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = Data(repeating: UInt8(ascii: "A"), count: 3 << 20)
        try big.write(to: URL(fileURLWithPath: dir + "/proc/meminfo"))
        let files = ProbeFiles(root: dir)
        let read = try files.read("proc/meminfo").get()
        #expect(read.count == ProbeFiles.readCap)
        #expect(HostProbe(root: dir).memoryInfo() == MemoryInfo())
    }

    @Test func fifosAndDirectoriesAreRefusedWithoutBlocking() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(mkfifo(dir + "/proc/loadavg", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir + "/proc/meminfo", withIntermediateDirectories: true)
        let files = ProbeFiles(root: dir)
        #expect(files.read("proc/loadavg") == .failure(.notRegularFile))
        #expect(files.read("proc/meminfo") == .failure(.notRegularFile))
        #expect(files.read("proc/uptime") == .failure(.open(errno: ENOENT)))
        let cpu = HostProbe(root: dir).cpuInfo()
        #expect(cpu.load1 == nil)
    }

    @Test func pathsJoinUnderTheRoot() {
        #expect(ProbeFiles(root: "/").path("proc/cpuinfo") == "/proc/cpuinfo")
        #expect(ProbeFiles(root: "").path("proc/cpuinfo") == "/proc/cpuinfo")
        #expect(ProbeFiles(root: "/tmp/x").path("proc/cpuinfo") == "/tmp/x/proc/cpuinfo")
        #expect(ProbeFiles(root: "/tmp/x/").path("proc/cpuinfo") == "/tmp/x/proc/cpuinfo")
    }
}
