import CollectorConfiguration

/// What a reload (SIGHUP) cannot apply to a running collector: the keys whose change needs a restart. Everything
/// else (tokens, limits, timeouts, RetainDays=, the certificate and key themselves, …) `serve` applies at once.
public enum ReloadPlan {
    /// The changed keys `loaded` cannot apply over `running`, in the order of collector.conf's documentation.
    public static func keysNeedingRestart(running: CollectorConfig, loaded: CollectorConfig) -> [String] {
        var keys: [String] = []
        if loaded.listen != running.listen { keys.append("Listen=") }
        if loaded.database != running.database { keys.append("Database=") }
        if loaded.passwordFile != running.passwordFile { keys.append("PasswordFile=") }
        // A renewed certificate is read again; only turning HTTPS on or off changes the listener.
        if (loaded.tlsCertificate == nil) != (running.tlsCertificate == nil) { keys.append("TLSCertificate=/TLSKey= (HTTPS on or off)") }
        if loaded.maxConnections != running.maxConnections { keys.append("MaxConnections=") }
        return keys
    }

    /// What the log and `STATUS=` say after the reload; nil when every change applied.
    public static func note(running: CollectorConfig, loaded: CollectorConfig) -> String? {
        let keys = keysNeedingRestart(running: running, loaded: loaded)
        return keys.isEmpty ? nil : "\(keys.joined(separator: ", ")) changed: restart to apply"
    }
}
