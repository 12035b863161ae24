import Testing
@testable import Systemd

@Suite struct EnvironmentFlagTests {
    static let trueValues = ["1", "yes", "y", "true", "t", "on", "YES", "On", "TRUE", " yes "]
    static let falseValues = ["0", "no", "n", "false", "f", "off", "NO", "Off", "False", "\tno\n"]

    @Test("a true value sets the flag", arguments: trueValues)
    func trueValueSets(_ v: String) {
        #expect(EnvironmentFlag(v) == .value(true))
        #expect(EnvironmentFlag(v).isSet)
    }

    // The defect this guards against: TELEMETRYD_DEBUG=no used to turn debug on, DO_NOT_TRACK=false to opt out.
    @Test("a false value leaves it off", arguments: falseValues)
    func falseValueLeavesItOff(_ v: String) {
        #expect(EnvironmentFlag(v) == .value(false))
        #expect(!EnvironmentFlag(v).isSet)
    }

    @Test func unsetAndEmptyAreOff() {
        #expect(EnvironmentFlag(nil) == .unset)
        #expect(EnvironmentFlag("") == .unset)
        #expect(EnvironmentFlag("  ") == .unset)
        #expect(!EnvironmentFlag(nil).isSet && !EnvironmentFlag("").isSet)
    }

    @Test("anything else counts as set, so a typo in an opt-out never means keep sending",
          arguments: ["2", "please", "nope", "ja", "yess"])
    func otherValuesCountAsSet(_ v: String) {
        #expect(EnvironmentFlag(v) == .notBoolean(v))
        #expect(EnvironmentFlag(v).isSet)
    }

    @Test func booleansAreSystemdsAndOnlyASCIICaseFolds() {
        #expect(SystemdBoolean.parse("Y") == true)
        #expect(SystemdBoolean.parse("enable") == nil)
        #expect(SystemdBoolean.parse("ｙｅｓ") == nil)
        #expect(SystemdBoolean.parse("") == nil)
    }
}
