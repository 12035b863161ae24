#if canImport(Glibc)
import Glibc
#endif
import FileSupport

/// What the agent deletes of its own state once the collector confirmed a `forget` report (a 2xx): everything that
/// ties this host to the install the collector just erased, so a fresh identity starts clean (docs/state-directory.md).
/// Kept: `daemon.json` (the running daemon's decision, no identity in it) and the lock files (a lock another process
/// may hold must not vanish under it). Never touched: the product's `ClusterIDFile=`, which is the product's.
public enum LocalErasure {
    /// In the order they are deleted: the instance ID first, so that an erasure cut short (a crash, a full disk) can
    /// never leave the old identity to be used again; then its key, the rest of the identity, and what was sent or
    /// waits to be sent under it.
    public static let files = [
        IdentityStore.instanceFile, IdentityStore.erasureKeyFile, IdentityStore.clusterFile, IdentityStore.machineAppFile,
        DeliveryStateStore.fileName, CounterLedger.fileName,
    ]
    public static let directories = [Spool.directoryName, SentLog.directoryName]

    public struct Result: Sendable, Equatable {
        /// Names (relative to the state directory) that existed and were deleted.
        public var deleted: [String] = []
        /// Names that could not be deleted, with the reason.
        public var failed: [Failure] = []

        public struct Failure: Sendable, Equatable, CustomStringConvertible {
            public var name: String
            public var reason: String
            public var description: String { "\(name): \(reason)" }
        }

        public var complete: Bool { failed.isEmpty }
    }

    /// Deletes `files` and `directories` (with every file in them) from `stateDirectory`. What does not exist is no
    /// error; what cannot be deleted is reported, and the rest is deleted all the same.
    public static func run(stateDirectory: String) -> Result {
        var result = Result()
        // Under the lock of `state.json`, so a writer (the daemon's schedule, a `send`) either finished before, or
        // starts afterwards from an empty state: none writes the old state back.
        let lock = try? AtomicFile.openLockFile(stateDirectory + "/" + DeliveryStateStore.lockName)
        if let lock {
            while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { if let lock { close(lock) } }
        for name in files {
            let path = stateDirectory + "/" + name
            guard exists(path) else { continue }
            do throws(FileError) {
                try AtomicFile.remove(path)
                result.deleted.append(name)
            } catch {
                result.failed.append(.init(name: name, reason: error.description))
            }
        }
        for name in directories {
            let dir = stateDirectory + "/" + name
            guard exists(dir) else { continue }
            var ok = true
            for entry in Directory.names(dir) {
                do throws(FileError) { try AtomicFile.remove(dir + "/" + entry) } catch {
                    ok = false
                    result.failed.append(.init(name: name + "/" + entry, reason: error.description))
                }
            }
            if rmdir(dir) == 0 {
                result.deleted.append(name + "/")
            } else if ok {
                result.failed.append(.init(name: name + "/", reason: FileError("rmdir", dir, errno: errno).description))
            }
        }
        AtomicFile.syncDirectory(stateDirectory)
        return result
    }

    private static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }
}
