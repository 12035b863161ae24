/// The `data` of a `forget` report: the install's erasure key itself, the one time it leaves the host. The
/// collector erases the install when its SHA-256 is the `erasureKeyHash` it pinned at the install's first report.
public struct ForgetData: Codable, Sendable, Equatable {
    /// The 32 random bytes of `erasure-key`, 64 lower-case hex digits.
    public var erasureKey: String

    public init(erasureKey: String) {
        self.erasureKey = erasureKey
    }
}
