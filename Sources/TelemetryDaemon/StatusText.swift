/// The one-line `STATUS=` sentence systemd shows in `systemctl status` ("Enabled; next keep-alive in 5h59m;
/// 0 queued", "Disabled by …"). Pure, so every wording is unit-tested.
public struct StatusText: Sendable, Equatable {
    public var disabledBy: String?
    public var dryRun: Bool
    /// Seconds until the next keep-alive, nil when none is scheduled.
    public var nextKeepAliveIn: Double?
    public var queued: Int
    /// Set while the collector cannot be reached.
    public var collectorUnreachable: Bool
    /// Set when the last reload was refused: the error naming file:line.
    public var reloadError: String?
    /// Set when the state directory is not writable.
    public var stateProblem: String?

    public init(disabledBy: String? = nil, dryRun: Bool = false, nextKeepAliveIn: Double? = nil, queued: Int = 0,
                collectorUnreachable: Bool = false, reloadError: String? = nil, stateProblem: String? = nil) {
        self.stateProblem = stateProblem
        self.disabledBy = disabledBy
        self.dryRun = dryRun
        self.nextKeepAliveIn = nextKeepAliveIn
        self.queued = queued
        self.collectorUnreachable = collectorUnreachable
        self.reloadError = reloadError
    }

    public var text: String {
        var parts: [String] = []
        if let disabledBy {
            parts.append("Disabled by \(disabledBy)")
        } else {
            parts.append(dryRun ? "Enabled (dry run: nothing is sent)" : "Enabled")
            if collectorUnreachable { parts.append("collector unreachable, retrying") }
            if let next = nextKeepAliveIn { parts.append("next keep-alive in \(StatusText.compact(seconds: next))") }
            parts.append("\(queued) queued")
        }
        if let stateProblem { parts.append(stateProblem) }
        if let reloadError {
            parts.append("reload failed, kept last good config: \(reloadError)")
        }
        // STATUS= is one line.
        return parts.joined(separator: "; ").map { $0 == "\n" || $0 == "\r" ? " " : $0 }.reduce(into: "") { $0.append($1) }
    }

    /// "5h59m", "59m", "42s", "3d2h": the two largest units, rounded down, as the contract writes them.
    public static func compact(seconds: Double) -> String {
        let total = seconds.isFinite && seconds > 0 ? Int(seconds.rounded(.down)) : 0
        let units: [(Int, String)] = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")]
        var rest = total
        var out = ""
        var used = 0
        for (size, name) in units where used < 2 {
            let n = rest / size
            if n > 0 || (used > 0) {
                if n > 0 { out += "\(n)\(name)" }
                rest -= n * size
                used += 1
            }
        }
        return out.isEmpty ? "0s" : out
    }
}
