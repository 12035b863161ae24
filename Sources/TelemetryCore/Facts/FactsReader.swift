#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads the product's facts file and the vendor's schema at report time (the only I/O of facts).
public struct FactsReader: Sendable {
    public var settings: ProductSettings
    /// Whether the default schema path exists is checked at every read, so installing the vendor's package takes
    /// effect without a reload. Tests point it elsewhere.
    public var defaultSchemaPath: String

    public init(settings: ProductSettings, defaultSchemaPath: String = ProductSettings.defaultFactsSchema) {
        self.settings = settings
        self.defaultSchemaPath = defaultSchemaPath
    }

    public func read(now: Double = Date().timeIntervalSince1970) -> FactsOutcome {
        guard let path = settings.factsFile else { return .none }
        let schema: FactsSchema?
        switch loadSchema() {
        case .success(let s): schema = s
        case .failure(let why): return FactsOutcome(status: .invalid, problem: why.description)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW)
        guard fd >= 0 else {
            let e = errno
            if e == ENOENT { return FactsOutcome(status: .missing, problem: "\(path) does not exist") }
            if e == ELOOP { return FactsOutcome(status: .invalid, problem: "\(path) is a symbolic link; expected a regular file") }
            return FactsOutcome(status: .invalid, problem: "cannot open \(path): \(String(cString: strerror(e)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return FactsOutcome(status: .invalid, problem: "cannot stat \(path)") }
        let info = FactsRules.FileInfo(
            isRegularFile: (st.st_mode & S_IFMT) == S_IFREG, size: Int(st.st_size), mode: UInt32(st.st_mode & 0o7777),
            modified: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        if var refused = FactsRules.check(info, now: now, maxAgeSeconds: settings.factsMaxAge.seconds) {
            refused.problem = "\(path): \(refused.problem ?? "")"
            return refused
        }
        guard let bytes = readAll(fd, cap: FactsRules.maxFileSize + 1) else {
            return FactsOutcome(status: .invalid, problem: "cannot read \(path)")
        }
        var outcome = FactsRules.evaluate(bytes, schema: schema)
        if let p = outcome.problem { outcome.problem = "\(path): \(p)" }
        return outcome
    }

    /// The schema: `FactsSchema=` (must exist), else the default path when it exists, else none.
    func loadSchema() -> Result<FactsSchema?, FactsSchema.Invalid> {
        let path = settings.factsSchema ?? defaultSchemaPath
        switch ProbeFiles(root: "/").read(String(path.dropFirst()), cap: 256 * 1024) {
        case .success(let bytes):
            do throws(FactsSchema.Invalid) {
                return .success(try FactsSchema.parse(bytes))
            } catch {
                return .failure(FactsSchema.Invalid(description: "\(path): \(error.description)"))
            }
        case .failure(.open(errno: ENOENT)) where settings.factsSchema == nil:
            return .success(nil)
        case .failure(let why):
            return .failure(FactsSchema.Invalid(description: "\(path): \(why)"))
        }
    }

    private func readAll(_ fd: Int32, cap: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while out.count < cap {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }
}
