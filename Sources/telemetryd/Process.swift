#if canImport(Glibc)
import Glibc
#endif

/// Runs a program (looked up in PATH) with stdin from /dev/null and waits for it; returns its exit status, or nil
/// when it could not be started. Hand-written over posix_spawnp because Foundation's `Process` would pull the
/// whole of Foundation (and ICU) into a binary that otherwise needs only FoundationEssentials.
func runProgram(_ argv: [String], quiet: Bool = true) -> Int32? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if quiet {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    var pid: pid_t = 0
    guard let program = cArgs.first ?? nil else { return nil }
    let rc = posix_spawnp(&pid, program, &actions, nil, &cArgs, environ)
    guard rc == 0 else { return nil }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return nil }
    }
    // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
