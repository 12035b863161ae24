import Testing
import TestSupport
@testable import TelemetryCore

@Suite struct ProbeFuzzTests {
    /// Bytes the parsers care about, so random input often gets deep into them.
    static let alphabet: [UInt8] = Array("0123456789.-:=,\"'\\`$#; \t\r\nkBxyzIDMemTotalprocessor container=\u{0}".utf8) + [0xFF, 0xC3, 0x80]

    static func input(_ rng: inout SplitMix64) -> [UInt8] {
        let length = Int(rng.next() % 600)
        let structured = rng.next() % 2 == 0
        return (0..<length).map { _ in
            structured ? alphabet[Int(rng.next() % UInt64(alphabet.count))] : UInt8(truncatingIfNeeded: rng.next())
        }
    }

    @Test(arguments: [UInt64(1), 42, 0xDEAD_BEEF])
    func randomBytesNeverTrapAnyParser(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<400 {
            let bytes = Self.input(&rng)
            let text = String(decoding: bytes, as: UTF8.self)

            let release = OSRelease(parsing: bytes)
            for key in release.fields.keys { #expect(OSRelease.isValidKey(Array(key.utf8)), "seed \(seed)") }

            let cpu = CPUInfoSummary(parsing: text)
            #expect(cpu.processorCount >= 0)

            let mem = MemInfoParser.parse(text)
            for v in [mem.totalBytes, mem.availableBytes, mem.swapTotalBytes, mem.swapFreeBytes] {
                if let v { #expect(v % 1024 == 0) }
            }

            if let load = LoadAverage(parsing: text) {
                for v in [load.load1, load.load5, load.load15] { #expect(v.isFinite && v >= 0, "seed \(seed)") }
            }
            if let up = UptimeParser.parse(text) { #expect(up >= 0) }
            if let n = CPUListParser.count(text) { #expect(n >= 1 && n <= 65536) }
            _ = ProcEnvironParser.containerValue(bytes)
            _ = KernelArch.normalize(text)
            _ = KernelArch.fromKernelRelease(text)
            _ = ARMCPUNames.name(implementer: text, part: text)

            let virt = VirtualizationDetector.detect(VirtualizationEvidence(
                cpuidHypervisorBit: rng.next() % 2 == 0, cpuidSignature: text, cpuinfo: cpu,
                dmiProductName: text, dmiSysVendor: text, dmiBiosVendor: text,
                sysHypervisorType: text, deviceTreeHypervisorCompatible: text))
            #expect(virt != nil)
            let container = ContainerDetector.detect(ContainerEvidence(
                kernelRelease: text, runHostContainerManager: text, runSystemdContainer: text,
                pid1Container: ProcEnvironParser.containerValue(bytes)))
            #expect(container != nil)
        }
    }
}
