/// Machine architecture names as `uname -m` gives them on Linux, whatever spelling a source used.
public enum KernelArch {
    /// `amd64` → `x86_64`, `arm64` → `aarch64`, `i386`…`i686` → `i686`, `armhf`/`armv7` → `armv7l`, …
    /// Nil for an empty or unknown name.
    public static func normalize(_ raw: String) -> String? {
        let name = raw.trimmedASCII().lowercased()
        switch name {
        case "x86_64", "amd64", "x64", "x86-64": return "x86_64"
        case "aarch64", "arm64", "aarch64_be": return name == "aarch64_be" ? "aarch64_be" : "aarch64"
        case "i386", "i486", "i586", "i686", "x86", "686", "686-pae": return "i686"
        case "armv7l", "armv7", "armhf", "armmp", "armmp-lpae": return "armv7l"
        case "armv6l", "armel": return "armv6l"
        case "ppc64le", "powerpc64le", "ppc64el": return "ppc64le"
        case "ppc64", "powerpc64": return "ppc64"
        case "s390x": return "s390x"
        case "riscv64": return "riscv64"
        case "loongarch64": return "loongarch64"
        case "mips64", "mips64el", "mipsel", "mips", "sparc64", "alpha", "ia64", "parisc64", "m68k", "sh4":
            return name
        default: return nil
        }
    }

    /// The architecture a distribution kernel's release string names, for roots where `uname(2)` does not apply:
    /// RHEL/Fedora/SUSE-style `5.14.0-362.8.1.el9_3.x86_64`, Debian-style `6.1.0-13-amd64`, `6.1.0-13-cloud-arm64`,
    /// `6.1.0-13-686-pae`. Nil when it names none (Ubuntu `6.5.0-1014-aws`, vanilla `6.6.8`).
    public static func fromKernelRelease(_ release: String) -> String? {
        let r = release.trimmedASCII()
        guard !r.isEmpty, r.utf8.count <= 256 else { return nil }
        if r.hasSuffix("-686-pae") { return "i686" }
        if r.hasSuffix("-armmp-lpae") { return "armv7l" }
        let tokens = r.split(whereSeparator: { $0 == "-" || $0 == "." || $0 == "+" })
        guard let last = tokens.last else { return nil }
        // Only the last token: earlier ones are versions and flavours ("cloud", "rt", "generic").
        return normalize(String(last))
    }
}
