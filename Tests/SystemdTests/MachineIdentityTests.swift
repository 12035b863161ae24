import Foundation
import Testing
@testable import Systemd

@Suite struct MachineIdentityTests {
    let appA: [UInt8] = [0x4f, 0x1c, 0x2b, 0x9e, 0x7a, 0x3d, 0x4e, 0x51, 0x8c, 0x6b, 0x0d, 0x2e, 0x9f, 0x10, 0x22, 0x33]
    let appB: [UInt8] = [0x11, 0x1c, 0x2b, 0x9e, 0x7a, 0x3d, 0x4e, 0x51, 0x8c, 0x6b, 0x0d, 0x2e, 0x9f, 0x10, 0x22, 0x33]

    @Test func uuidFormatting() {
        let bytes: [UInt8] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]
        #expect(MachineIdentity.uuidString(bytes) == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(MachineIdentity.uuidString([1, 2, 3]) == nil)
    }

    @Test func wrongLengthAppIDIsNil() {
        #expect(MachineIdentity.appSpecificID(appID: [1, 2, 3]) == nil)
    }

    /// With a machine-id (the build hosts have one), the ID is a stable lower-case v4 UUID per application.
    @Test(.enabled(if: machineIDPresent())) func stableAndPerApplication() throws {
        let a = try #require(MachineIdentity.appSpecificID(appID: appA))
        #expect(a.count == 36)
        #expect(a == a.lowercased())
        #expect(Array(a)[14] == "4")
        #expect(MachineIdentity.appSpecificID(appID: appA) == a)
        let b = try #require(MachineIdentity.appSpecificID(appID: appB))
        #expect(a != b)
    }
}

func machineIDPresent() -> Bool {
    guard let text = try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8) else { return false }
    return text.trimmingCharacters(in: .whitespacesAndNewlines).count == 32
}
