#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import FileSupport

/// The anonymous identity a report carries.
public struct Identity: Sendable, Equatable {
    public var instanceId: String
    public var clusterId: String
    /// True when `ClusterID=` of the configuration supplied `clusterId`.
    public var clusterIdFromConfig: Bool

    public init(instanceId: String, clusterId: String, clusterIdFromConfig: Bool) {
        self.instanceId = instanceId
        self.clusterId = clusterId
        self.clusterIdFromConfig = clusterIdFromConfig
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

/// Keeps `instance-id` and `cluster-id` in the state directory (docs/state-directory.md).
///
/// Beside the instance ID it keeps `machine-app-id`: `sd_id128_get_machine_app_specific()` for telemetryd's fixed
/// application ID. When that changes (an image or VM was cloned and given a new machine-id) a new instance ID is made,
/// so clones count as distinct installs. The machine-id itself is never stored or sent: only the HMAC of our app ID
/// keyed by it, which cannot be linked to the machine-id or to other applications' derived IDs.
public struct IdentityStore: Sendable {
    /// telemetryd's application ID for `sd_id128_get_machine_app_specific()` (made once with `systemd-id128 new`).
    /// Never change it: every install would count as a new instance.
    public static let applicationID = "91a1e568-9bda-4514-aeb5-4993bbf6a898"

    public static let instanceFile = "instance-id"
    public static let clusterFile = "cluster-id"
    public static let machineAppFile = "machine-app-id"

    public let stateDirectory: String
    /// Returns the machine's app-specific ID for `applicationID`, or nil without a usable machine-id.
    public let machineAppID: @Sendable () -> String?
    public let makeUUID: @Sendable () -> String

    public init(
        stateDirectory: String,
        machineAppID: @escaping @Sendable () -> String?,
        makeUUID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.stateDirectory = stateDirectory
        self.machineAppID = machineAppID
        self.makeUUID = makeUUID
    }

    /// Loads, repairs or creates the identity. With `persist: false` nothing is written (IDs that do not exist yet
    /// are made up for this call only). Write failures never fail the load: they are returned as events.
    public func load(configClusterID: String?, persist: Bool = true) -> (Identity, [IdentityEvent]) {
        var events: [IdentityEvent] = []
        if persist {
            do throws(FileError) { try AtomicFile.makeDirectory(stateDirectory) } catch { events.append(.notPersisted(error)) }
        }
        let canWrite = persist && !events.contains { if case .notPersisted = $0 { true } else { false } }

        func store(_ value: String, _ name: String) {
            guard canWrite else { return }
            do throws(FileError) {
                try AtomicFile.write(Array((value + "\n").utf8), to: path(name), mode: 0o644)
            } catch {
                events.append(.notPersisted(error))
            }
        }

        /// The UUID stored in `name`, else a new one stored there (with the event that says why).
        func readOrCreate(_ name: String) -> String {
            let why: IdentityEvent
            switch readUUID(name: name) {
            case .valid(let id): return id
            case .missing: why = .created(file: path(name))
            case .invalid(let reason): why = .replacedCorrupt(file: path(name), reason: reason)
            }
            let id = makeUUID()
            events.append(why)
            store(id, name)
            return id
        }

        // Instance ID, with clone detection.
        var instance = readOrCreate(Self.instanceFile)
        if let current = machineAppID().flatMap(Self.normalizeUUID) {
            switch readUUID(name: Self.machineAppFile) {
            case .valid(let stored) where stored == current:
                break
            case .valid:
                events.append(.cloneDetected)
                instance = makeUUID()
                store(instance, Self.instanceFile)
                store(current, Self.machineAppFile)
            case .missing, .invalid:
                store(current, Self.machineAppFile)
            }
        } else {
            events.append(.machineIDUnavailable)
        }

        // Cluster ID: the configuration wins and is not written over the persisted one.
        let cluster: String
        let fromConfig: Bool
        if let configured = configClusterID.flatMap(Self.normalizeUUID) {
            cluster = configured
            fromConfig = true
        } else {
            fromConfig = false
            cluster = readOrCreate(Self.clusterFile)
        }
        return (Identity(instanceId: instance, clusterId: cluster, clusterIdFromConfig: fromConfig), events)
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
