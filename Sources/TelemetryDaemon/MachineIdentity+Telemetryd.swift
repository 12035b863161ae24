#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Systemd
import TelemetryCore

extension MachineIdentity {
    /// `sd_id128_get_machine_app_specific()` for telemetryd's application ID.
    @Sendable public static func telemetrydAppSpecificID() -> String? {
        guard let app = UUID(uuidString: IdentityStore.applicationID) else { return nil }
        return appSpecificID(appID: withUnsafeBytes(of: app.uuid) { Array($0) })
    }
}
