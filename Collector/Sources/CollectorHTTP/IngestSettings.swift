import CollectorSummary
import CollectorConfiguration
import NIOConcurrencyHelpers

/// What the ingest checks each request against; replaced as a whole on reload (SIGHUP), read per request.
public struct IngestSettings: Sendable, Equatable {
    public var tokens: BearerTokens
    public var maxBodyBytes: Int
    /// `MaxDistinctValues=`, for the reads (`Summary.cappingDistinctValues`).
    public var maxDistinctValues: Int
    /// `PublicMinInstalls=`, for the public reads (`Summary.publicView`); 0: none.
    public var publicMinInstalls: Int
    public init(tokens: BearerTokens, maxBodyBytes: Int, maxDistinctValues: Int = Summary.defaultMaxDistinctValues,
                publicMinInstalls: Int = 0) {
        self.tokens = tokens
        self.maxBodyBytes = maxBodyBytes
        self.maxDistinctValues = maxDistinctValues
        self.publicMinInstalls = publicMinInstalls
    }
}

/// The current `IngestSettings`, shared by every connection.
public final class IngestSettingsBox: Sendable {
    private let box: NIOLockedValueBox<IngestSettings>
    public init(_ settings: IngestSettings) { box = NIOLockedValueBox(settings) }
    public var current: IngestSettings { box.withLockedValue { $0 } }
    public func replace(with settings: IngestSettings) { box.withLockedValue { $0 = settings } }
}
