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

    /// Agrees with systemd's own tool, `systemd-id128 machine-id --app-specific=ID -u`, where it exists.
    @Test(.enabled(if: machineIDPresent() && FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-id128")))
    func matchesSystemdID128Tool() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-id128")
        process.arguments = ["machine-id", "--app-specific=" + appA.map { String(format: "%02x", $0) }.joined(), "-u"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(MachineIdentity.appSpecificID(appID: appA) == output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

func machineIDPresent() -> Bool {
    guard let text = try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8) else { return false }
    return text.trimmingCharacters(in: .whitespacesAndNewlines).count == 32
}
