#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import FileSupport

/// The anonymous identity a report carries.
public struct Identity: Sendable, Equatable {
    public var instanceId: String
    public var clusterId: String
    /// True when `ClusterID=` of the configuration supplied `clusterId`.
    public var clusterIdFromConfig: Bool
    /// Its hash goes in every report, the key itself only in a `forget` report.
    public var erasureKey: ErasureKey

    /// `erasureKey` defaults to a new random key: an identity made up for the moment (tests, `persist: false`).
    public init(instanceId: String, clusterId: String, clusterIdFromConfig: Bool, erasureKey: ErasureKey = .random()) {
        self.instanceId = instanceId
        self.clusterId = clusterId
        self.clusterIdFromConfig = clusterIdFromConfig
        self.erasureKey = erasureKey
    }
}

/// What the identity store noticed while loading, for the caller to log and test.
public enum IdentityEvent: Sendable, Equatable {
    case created(file: String)
    case replacedCorrupt(file: String, reason: String)
    case cloneDetected
    case machineIDUnavailable
    case notPersisted(FileError)
}

/// Keeps `instance-id`, `cluster-id` and `erasure-key` in the state directory (docs/state-directory.md).
///
/// Beside the instance ID it keeps `machine-app-id`: `sd_id128_get_machine_app_specific()` for telemetryd's fixed
/// application ID. When that changes (an image or VM was cloned and given a new machine-id) a new instance ID is made,
/// so clones count as distinct installs. The machine-id itself is never stored or sent: only the HMAC of our app ID
/// keyed by it, which cannot be linked to the machine-id or to other applications' derived IDs.
///
/// `erasure-key` (`ErasureKey`, mode 0600) is made with the instance ID and renewed with it, so a clone or a lost
/// `instance-id` also gets a new key; an install that predates erasure gets one at its next load.
public struct IdentityStore: Sendable {
    /// telemetryd's application ID for `sd_id128_get_machine_app_specific()` (made once with `systemd-id128 new`).
    /// Never change it: every install would count as a new instance.
    public static let applicationID = "91a1e568-9bda-4514-aeb5-4993bbf6a898"

    public static let instanceFile = "instance-id"
    public static let clusterFile = "cluster-id"
    public static let machineAppFile = "machine-app-id"
    public static let erasureKeyFile = "erasure-key"

    public let stateDirectory: String
    /// Returns the machine's app-specific ID for `applicationID`, or nil without a usable machine-id.
    public let machineAppID: @Sendable () -> String?
    public let makeUUID: @Sendable () -> String
    public let makeErasureKey: @Sendable () -> ErasureKey

    public init(
        stateDirectory: String,
        machineAppID: @escaping @Sendable () -> String?,
        makeUUID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() },
        makeErasureKey: @escaping @Sendable () -> ErasureKey = { ErasureKey.random() }
    ) {
        self.stateDirectory = stateDirectory
        self.machineAppID = machineAppID
        self.makeUUID = makeUUID
        self.makeErasureKey = makeErasureKey
    }

    /// Loads, repairs or creates the identity. With `persist: false` nothing is written (IDs that do not exist yet
    /// are made up for this call only). Write failures never fail the load: they are returned as events.
    public func load(configClusterID: String?, persist: Bool = true) -> (Identity, [IdentityEvent]) {
        var events: [IdentityEvent] = []
        if persist {
            do throws(FileError) { try AtomicFile.makeDirectory(stateDirectory) } catch { events.append(.notPersisted(error)) }
        }
        let canWrite = persist && !events.contains { if case .notPersisted = $0 { true } else { false } }

        func store(_ value: String, _ name: String, mode: mode_t = 0o644) {
            guard canWrite else { return }
            do throws(FileError) {
                try AtomicFile.write(Array((value + "\n").utf8), to: path(name), mode: mode)
            } catch {
                events.append(.notPersisted(error))
            }
        }

        /// The UUID stored in `name`, else a new one stored there (with the event that says why); `made` tells which.
        func readOrCreate(_ name: String) -> (id: String, made: Bool) {
            let why: IdentityEvent
            switch readUUID(name: name) {
            case .valid(let id): return (id, false)
            case .missing: why = .created(file: path(name))
            case .invalid(let reason): why = .replacedCorrupt(file: path(name), reason: reason)
            }
            let id = makeUUID()
            events.append(why)
            store(id, name)
            return (id, true)
        }

        // Instance ID, with clone detection.
        var (instance, newInstance) = readOrCreate(Self.instanceFile)
        if let current = machineAppID().flatMap(Self.normalizeUUID) {
            switch readUUID(name: Self.machineAppFile) {
            case .valid(let stored) where stored == current:
                break
            case .valid:
                events.append(.cloneDetected)
                instance = makeUUID()
                newInstance = true
                store(instance, Self.instanceFile)
                store(current, Self.machineAppFile)
            case .missing, .invalid:
                store(current, Self.machineAppFile)
            }
        } else {
            events.append(.machineIDUnavailable)
        }

        // Erasure key: a new instance ID gets a new key, whatever the file holds (the old key belongs to the old ID,
        // and sharing its hash would link the two); otherwise the stored one, made when missing (an install that
        // predates erasure) or replaced when unreadable. Mode 0600: the key alone can have this install erased.
        let erasureKey: ErasureKey
        let stored = newInstance ? nil : readErasureKey()
        if case .valid(let key)? = stored {
            erasureKey = key
        } else {
            erasureKey = makeErasureKey()
            if case .invalid(let reason)? = stored {
                events.append(.replacedCorrupt(file: path(Self.erasureKeyFile), reason: reason))
            } else {
                events.append(.created(file: path(Self.erasureKeyFile)))
            }
            store(erasureKey.hex, Self.erasureKeyFile, mode: 0o600)
        }

        // Cluster ID: the configuration wins and is not written over the persisted one.
        let cluster: String
        let fromConfig: Bool
        if let configured = configClusterID.flatMap(Self.normalizeUUID) {
            cluster = configured
            fromConfig = true
        } else {
            fromConfig = false
            cluster = readOrCreate(Self.clusterFile).id
        }
        return (Identity(instanceId: instance, clusterId: cluster, clusterIdFromConfig: fromConfig, erasureKey: erasureKey), events)
    }

    func path(_ name: String) -> String { stateDirectory + "/" + name }

    /// The persisted IDs as they are, without creating or repairing anything (`telemetryd status`).
    /// Nil for an ID that does not exist yet or is unreadable.
    public func stored() -> (instanceId: String?, clusterId: String?) {
        func value(_ name: String) -> String? { if case .valid(let id) = readUUID(name: name) { id } else { nil } }
        return (value(Self.instanceFile), value(Self.clusterFile))
    }

    enum ReadResult: Equatable {
        case valid(String)
        case missing
        case invalid(String)
    }

    enum KeyReadResult: Equatable {
        case valid(ErasureKey)
        case missing
        case invalid(String)
    }

    func readErasureKey() -> KeyReadResult {
        let bytes: [UInt8]?
        do throws(FileError) { bytes = try AtomicFile.read(path(Self.erasureKeyFile), limit: 4096) } catch { return .invalid(error.description) }
        guard let bytes else { return .missing }
        guard let key = ErasureKey(hex: String(decoding: bytes, as: UTF8.self)) else { return .invalid("not 64 hex digits") }
        return .valid(key)
    }

    func readUUID(name: String) -> ReadResult {
        let bytes: [UInt8]?
        do throws(FileError) { bytes = try AtomicFile.read(path(name), limit: 4096) } catch { return .invalid(error.description) }
        guard let bytes else { return .missing }
        let text = String(decoding: bytes, as: UTF8.self).trimmedASCII()
        if text.isEmpty { return .invalid("empty file") }
        guard let id = Self.normalizeUUID(text) else { return .invalid("not a UUID") }
        return .valid(id)
    }

    /// A UUID in any case, with dashes; returned lower-case. Nil for anything else.
    public static func normalizeUUID(_ text: String) -> String? {
        guard let u = UUID(uuidString: text) else { return nil }
        return u.uuidString.lowercased()
    }
}

extension IdentityEvent {
    /// One log line per event, at the right level.
    public func log(to logger: Logger) {
        switch self {
        case .created(let file):
            logger.info("Created new identity file \(file)", metadata: TelemetryEvent.identityCreated.metadata)
        case .replacedCorrupt(let file, let reason):
            logger.warning("Replaced corrupt identity file \(file) (\(reason)) with a new ID", metadata: TelemetryEvent.identityReplaced.metadata)
        case .cloneDetected:
            logger.notice("Machine ID changed since the instance ID was made (cloned image or VM); made a new instance ID", metadata: TelemetryEvent.cloneDetected.metadata)
        case .machineIDUnavailable:
            logger.debug("No usable machine-id; clone detection skipped")
        case .notPersisted(let error):
            logger.warning("Could not persist identity: \(error.description); IDs will change on restart until the state directory is writable", metadata: TelemetryEvent.identityNotPersisted.metadata)
        }
    }
}
