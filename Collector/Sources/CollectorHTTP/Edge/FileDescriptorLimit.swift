#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The open-file limit against `MaxConnections=`: systemd gives services a soft limit of 1024 (for select(2)'s
/// sake) and a high hard limit (LimitNOFILE= sets both); a server that needs more raises its soft limit to what it
/// needs, up to the hard one, as systemd.exec(5) recommends.
public enum FileDescriptorLimit {
    /// Descriptors beside the connections: the listening socket, the database and its journal, log and notify
    /// sockets, files read on reload.
    public static let reserve = 64

    /// The soft limit to ask for: enough for `maxConnections` plus the reserve, never above `hard`, never lower
    /// than `soft`.
    public static func wanted(maxConnections: Int, soft: UInt64, hard: UInt64) -> UInt64 {
        let need = UInt64(maxConnections + reserve)
        return max(soft, min(need, hard))
    }

    /// Raises the soft limit as far as `maxConnections` needs; returns the limit in force afterwards and whether
    /// it suffices.
    public static func raise(forConnections maxConnections: Int) -> (limit: UInt64, enough: Bool) {
        var rl = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &rl) == 0 else { return (0, false) }
        let want = wanted(maxConnections: maxConnections, soft: UInt64(rl.rlim_cur), hard: UInt64(rl.rlim_max))
        if want > UInt64(rl.rlim_cur) {
            var raised = rl
            raised.rlim_cur = rlim_t(want)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { rl = raised }
        }
        return (UInt64(rl.rlim_cur), UInt64(rl.rlim_cur) >= UInt64(maxConnections + reserve))
    }
}
