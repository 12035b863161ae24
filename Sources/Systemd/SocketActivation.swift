import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// `sd_listen_fds(3)`: the listening sockets systemd passes to a socket-activated service (`.socket` unit),
/// starting at fd 3. Outside socket activation (`$LISTEN_FDS` unset or `$LISTEN_PID` another process): none.
public enum SocketActivation {
    /// `SD_LISTEN_FDS_START`.
    public static let firstDescriptor: Int32 = 3

    /// The passed descriptors. With `unsetEnvironment` (the default) `$LISTEN_FDS`/`$LISTEN_PID` are removed,
    /// so child processes do not think the sockets are theirs.
    public static func descriptors(unsetEnvironment: Bool = true) -> [Int32] {
        let n = sd_listen_fds(unsetEnvironment ? 1 : 0)
        guard n > 0 else { return [] }
        return (0..<n).map { firstDescriptor + $0 }
    }

    /// Is `fd` a listening stream (TCP or Unix) socket, as `ListenStream=` gives?
    public static func isListeningStream(_ fd: Int32) -> Bool {
        sd_is_socket(fd, AF_UNSPEC, Int32(SOCK_STREAM.rawValue), 1) > 0
    }
}
