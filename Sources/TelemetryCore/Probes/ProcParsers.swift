// Pure parsers of the kernel's text files. Each takes the file's text (or bytes), never touches the file
// system, never traps, and answers nil (or an empty summary) for anything it does not understand.

import TelemetryWire

/// Splits text into lines on LF, CR or CRLF.
@usableFromInline
func probeLines(_ text: String) -> [Substring] {
    text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
}

/// Parses a plain decimal number of ASCII digits (no sign, no blanks); nil on overflow or anything else.
@usableFromInline
func parseDecimalUInt64(_ s: Substring) -> UInt64? {
    guard !s.isEmpty, s.utf8.count <= 20 else { return nil }
    var v: UInt64 = 0
    for c in s.utf8 {
        guard c >= 0x30, c <= 0x39 else { return nil }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
        if o1 || o2 { return nil }
        v = a
    }
    return v
}

/// A finite, non-negative decimal like `0.15` or `12345.67`; nil for anything else (`nan`, `inf`, `-1`, `1e999`).
@usableFromInline
func parseNonNegativeDecimal(_ s: Substring) -> Double? {
    guard !s.isEmpty, s.utf8.count <= 32,
          s.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }),
          let d = Double(String(s)), d.isFinite, d >= 0 else { return nil }
    return d
}

// MARK: - /proc/cpuinfo

/// What telemetryd takes from `/proc/cpuinfo`.
public struct CPUInfoSummary: Sendable, Equatable {
    /// `model name` (x86 and most arches), else `Hardware` (32-bit ARM boards), else a name mapped from arm64
    /// `CPU implementer`/`CPU part`, else `cpu` (POWER: `POWER9 (raw), altivec supported`), else `uarch` (RISC-V).
    public var model: String?
    /// Number of `processor : N` entries (s390x: its `# processors` line).
    public var processorCount: Int
    /// The `hypervisor` CPU flag (x86 guests): a VM whose kind CPUID would tell.
    public var hypervisorFlag: Bool
    /// `vendor_id` (x86), e.g. `GenuineIntel`; `User Mode Linux` under UML.
    public var vendorId: String?

    public init(model: String? = nil, processorCount: Int = 0, hypervisorFlag: Bool = false, vendorId: String? = nil) {
        self.model = model
        self.processorCount = processorCount
        self.hypervisorFlag = hypervisorFlag
        self.vendorId = vendorId
    }

    public init(parsing text: String) {
        self.init()
        var modelName: String?
        var hardware: String?
        var implementer: String?
        var part: String?
        var powerCPU: String?
        var uarch: String?
        var s390Count: Int?
        for line in probeLines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmedASCII()
            let value = line[line.index(after: colon)...].trimmedASCII()
            switch key {
            case "processor":
                if parseDecimalUInt64(Substring(value)) != nil { processorCount += 1 }
            case "model name":
                if modelName == nil, !value.isEmpty { modelName = value }
            case "Hardware":
                if hardware == nil, !value.isEmpty { hardware = value }
            case "CPU implementer":
                if implementer == nil { implementer = value }
            case "CPU part":
                if part == nil { part = value }
            case "cpu":
                if powerCPU == nil, !value.isEmpty { powerCPU = value }
            case "uarch":
                if uarch == nil, !value.isEmpty { uarch = value }
            case "# processors":
                if s390Count == nil, let n = parseDecimalUInt64(Substring(value)), n <= 65536 { s390Count = Int(n) }
            case "vendor_id":
                if vendorId == nil, !value.isEmpty { vendorId = value }
            case "flags":
                if !hypervisorFlag, value.split(separator: " ").contains("hypervisor") { hypervisorFlag = true }
            default:
                break
            }
        }
        model = modelName ?? hardware
            ?? implementer.flatMap { i in part.flatMap { p in ARMCPUNames.name(implementer: i, part: p) } }
            ?? powerCPU ?? uarch
        if processorCount == 0, let s390Count { processorCount = s390Count }
    }
}

/// The few arm64 cores servers run, named as `lscpu` names them. Unknown pairs give nil.
public enum ARMCPUNames {
    static let arm: [UInt32: String] = [
        0xd03: "Cortex-A53", 0xd04: "Cortex-A35", 0xd05: "Cortex-A55", 0xd07: "Cortex-A57", 0xd08: "Cortex-A72",
        0xd09: "Cortex-A73", 0xd0a: "Cortex-A75", 0xd0b: "Cortex-A76", 0xd0c: "Neoverse-N1", 0xd0d: "Cortex-A77",
        0xd40: "Neoverse-V1", 0xd41: "Cortex-A78", 0xd44: "Cortex-X1", 0xd46: "Cortex-A510", 0xd47: "Cortex-A710",
        0xd48: "Cortex-X2", 0xd49: "Neoverse-N2", 0xd4a: "Neoverse-E1", 0xd4f: "Neoverse-V2",
    ]
    static let ampere: [UInt32: String] = [0xac3: "Ampere-1", 0xac4: "Ampere-1a"]

    /// `implementer` and `part` as cpuinfo prints them (`0x41`, `0xd0c`).
    public static func name(implementer: String, part: String) -> String? {
        guard let i = hex(implementer), let p = hex(part) else { return nil }
        switch i {
        case 0x41: return arm[p].map { "ARM \($0)" }
        case 0xc0: return ampere[p].map { "Ampere \($0)" }
        default: return nil
        }
    }

    static func hex(_ s: String) -> UInt32? {
        guard s.hasPrefix("0x") || s.hasPrefix("0X") else { return nil }
        let digits = s.dropFirst(2)
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        return UInt32(digits, radix: 16)
    }
}

// MARK: - /proc/meminfo

public enum MemInfoParser {
    /// `MemTotal`, `MemAvailable`, `SwapTotal`, `SwapFree` in bytes (the file says kB, meaning KiB).
    /// A field that is missing, not `<digits> kB`, or would overflow 64 bits is nil.
    public static func parse(_ text: String) -> MemoryInfo {
        var info = MemoryInfo()
        for line in probeLines(text) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon]
            guard key == "MemTotal" || key == "MemAvailable" || key == "SwapTotal" || key == "SwapFree" else { continue }
            let parts = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2, parts[1] == "kB", let kib = parseDecimalUInt64(parts[0]) else { continue }
            let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
            if overflow { continue }
            switch key {
            case "MemTotal": if info.totalBytes == nil { info.totalBytes = bytes }
            case "MemAvailable": if info.availableBytes == nil { info.availableBytes = bytes }
            case "SwapTotal": if info.swapTotalBytes == nil { info.swapTotalBytes = bytes }
            default: if info.swapFreeBytes == nil { info.swapFreeBytes = bytes }
            }
        }
        return info
    }
}

// MARK: - /proc/loadavg

/// `/proc/loadavg`: `0.15 0.10 0.05 1/123 4567`.
public struct LoadAverage: Sendable, Equatable {
    public var load1: Double
    public var load5: Double
    public var load15: Double

    public init(load1: Double, load5: Double, load15: Double) {
        self.load1 = load1
        self.load5 = load5
        self.load15 = load15
    }

    /// Nil unless the first line starts with three finite non-negative decimals.
    public init?(parsing text: String) {
        guard let first = probeLines(text).first else { return nil }
        let parts = first.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 3,
              let a = parseNonNegativeDecimal(parts[0]), let b = parseNonNegativeDecimal(parts[1]),
              let c = parseNonNegativeDecimal(parts[2]) else { return nil }
        self.init(load1: a, load5: b, load15: c)
    }
}

// MARK: - /proc/uptime

public enum UptimeParser {
    /// Whole seconds from `/proc/uptime` (`12345.67 23456.78`); nil for anything else or beyond `Int32.max`.
    public static func parse(_ text: String) -> Int? {
        guard let first = probeLines(text).first,
              let word = first.split(whereSeparator: { $0 == " " || $0 == "\t" }).first,
              let seconds = parseNonNegativeDecimal(word), seconds < Double(Int32.max) else { return nil }
        return Int(seconds)
    }
}

// MARK: - CPU lists (/sys/devices/system/cpu/online)

public enum CPUListParser {
    /// Counts the CPUs of a kernel CPU list like `0-3,8,10-11`; nil when malformed, empty or absurd (> 65536).
    public static func count(_ text: String) -> Int? {
        let line = text.trimmedASCII()
        guard !line.isEmpty else { return nil }
        var total = 0
        for range in line.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = range.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                guard parseDecimalUInt64(ends[0]) != nil else { return nil }
                total += 1
            case 2:
                guard let lo = parseDecimalUInt64(ends[0]), let hi = parseDecimalUInt64(ends[1]), lo <= hi,
                      hi - lo < 65536 else { return nil }
                total += Int(hi - lo) + 1
            default:
                return nil
            }
            if total > 65536 { return nil }
        }
        return total
    }
}

// MARK: - /proc/1/environ

public enum ProcEnvironParser {
    /// The value of `container=` in a NUL-separated environment block, and nothing else from it.
    /// Nil when absent or empty.
    public static func containerValue(_ bytes: [UInt8]) -> String? {
        let prefix = Array("container=".utf8)
        for entry in bytes.split(separator: 0, omittingEmptySubsequences: true) where entry.starts(with: prefix) {
            let value = entry.dropFirst(prefix.count)
            guard !value.isEmpty else { return nil }
            return String(decoding: value, as: UTF8.self)
        }
        return nil
    }
}
