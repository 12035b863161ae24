import Logging

/// Every kind of event telemetry-collector logs at notice level or above, each with a fixed journal `MESSAGE_ID`
/// that `systemd/telemetry-collector.catalog` explains (`journalctl -x`, `journalctl MESSAGE_ID=…`).
public enum CollectorEvent: String, CaseIterable, Sendable {
    case listening, reloaded, reloadFailed, configWarning
    case databaseUnavailable, databaseAvailable
    case pruned, pruneFailed, dayCacheFailed
    case connectionsFull, connectionsAvailable, edgeCounts, untrustedProxy, servingStalled
    case installErased, erasureRefused

    /// 128-bit ID, 32 lower-case hex digits, as `journalctl --new-id128` makes them. Never change a shipped one.
    public var messageID: String {
        switch self {
        case .listening: "4192539d08e143e9a5ca01f97dc15725"
        case .reloaded: "8fff8517011b475ba55faf022c06174e"
        case .reloadFailed: "d31c77bdb2bb4cedbe30c95a75f7945e"
        case .configWarning: "bbec1fc2d6ad439eb91165e5d6acbecb"
        case .databaseUnavailable: "48dc19f1838748ab8d64c1ae54f0c48b"
        case .databaseAvailable: "d11768843b9549629cc72d8c916b3136"
        case .pruned: "249b82a09d9a4bbaac93f97d02064858"
        case .pruneFailed: "25ea3654eaef406d9ec1fad8311cb960"
        case .dayCacheFailed: "3454662440f34b06ad18457f1637f165"
        case .connectionsFull: "18dcadf6fcd1426c9aca896a270d5129"
        case .connectionsAvailable: "ff38453e8e544a89a125a50fbb92ec5b"
        case .edgeCounts: "a01ba27269fe4b7e9f45a96166c50666"
        case .untrustedProxy: "1c264ec03b284c878a44a823a996fd7a"
        case .servingStalled: "e3ccebf5cc8b49989536fe2ded00b5fe"
        case .installErased: "62554a5e313f49a8bffd07bc5085a194"
        case .erasureRefused: "dc2ee3c8e44747b1898902f00f8b90db"
        }
    }

    /// `["MESSAGE_ID": …]`, to pass as a log call's metadata.
    public var metadata: Logger.Metadata { ["MESSAGE_ID": .string(messageID)] }
}
