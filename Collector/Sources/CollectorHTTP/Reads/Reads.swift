#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the GET routes answer from: the cached summaries, the health check and who may read.
public struct Reads: Sendable {
    public let model: ReadModel
    public let health: HealthCheck
    public let access: ReadAccess

    public init(model: ReadModel, health: HealthCheck, access: ReadAccess) {
        self.model = model
        self.health = health
        self.access = access
    }

    /// Defaults around the ingest's store: reads open, `ReadCacheSec=10s`, a health check every 5 s.
    public init(ingest: Ingest, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init(model: ReadModel(store: ingest.store, now: now),
                  health: HealthCheck(store: ingest.store, availability: ingest.availability),
                  access: ReadAccess())
    }
}
