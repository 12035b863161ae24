import Testing
@testable import ConfigGrammar

/// A schema as rows (section, key, parser, where the value lands), with a configuration of its own.
@Suite("Config: one table row per key")
struct ConfigTableTests {
    struct Example: Sendable, Equatable {
        var enable = true
        var interval = TimeSpan(seconds: 60)
        var name: String? = nil
        var nested = Nested()
        struct Nested: Sendable, Equatable { var count = 3 }
    }

    static let table = ConfigTable<Example>(defaults: Example(), keys: [
        ConfigKey("Main", "Enable", ConfigValues.boolean, at: \.enable),
        ConfigKey("Main", "IntervalSec", { ConfigValues.timeSpan($0, minimum: TimeSpan(seconds: 1)) }, at: \.interval),
        ConfigKey("Other", "Name", { $0 == "bad" ? .failure(ConfigValues.Expected("expected a good name")) : .success($0) }, at: \.name),
        ConfigKey("Other", "Count", { Int($0).map { .success($0) } ?? .failure(ConfigValues.Expected("expected a number")) },
                  at: \.nested.count),
    ])

    func apply(_ text: String, to start: Example = Example()) throws(ConfigError) -> Example {
        let file = try ConfigParser.parse(text, fileName: "/e.conf", schema: Self.table.keysBySection)
        var c = start
        for a in file.assignments { try Self.table.apply(a, to: &c) }
        return c
    }

    @Test func theRowsAreTheSchema() {
        #expect(Self.table.keysBySection == ["Main": ["Enable", "IntervalSec"], "Other": ["Name", "Count"]])
        #expect(Self.table.keys.map(\.qualifiedKey) == ["Main.Enable", "Main.IntervalSec", "Other.Name", "Other.Count"])
    }

    @Test func eachRowParsesAndStoresWhereItSays() throws {
        let c = try apply("[Main]\nEnable=no\nIntervalSec=2min\n[Other]\nName=x\nCount=7\n")
        #expect(c == Example(enable: false, interval: TimeSpan(seconds: 120), name: "x", nested: .init(count: 7)))
    }

    @Test func anEmptyValuePutsBackTheDefaultNotTheEarlierValue() throws {
        let start = Example(enable: false, interval: TimeSpan(seconds: 5), name: "set", nested: .init(count: 9))
        let c = try apply("[Main]\nEnable=\nIntervalSec=\n[Other]\nName=\nCount=\n", to: start)
        #expect(c == Example())
        #expect(c.name == nil)
    }

    @Test func aBadValueNamesFileLineKeyAndWhatWasExpected() {
        #expect(throws: ConfigError(location: ConfigLocation(file: "/e.conf", line: 3), key: "Name",
                                    message: "Name=bad: expected a good name")) {
            try apply("[Other]\nCount=1\nName=bad\n")
        }
        #expect(throws: ConfigError(location: ConfigLocation(file: "/e.conf", line: 2), key: "IntervalSec",
                                    message: "IntervalSec=0: too short; expected at least 1s")) {
            try apply("[Main]\nIntervalSec=0\n")
        }
    }

    @Test func anAssignmentWithoutARowIsAnErrorNotACrash() {
        var c = Example()
        let stray = ConfigAssignment(section: "Main", key: "Name", value: "x", location: ConfigLocation(file: "/e.conf", line: 4))
        #expect(throws: ConfigError(location: stray.location, key: "Name", message: "Name= is not a known key of section [Main]")) {
            try Self.table.apply(stray, to: &c)
        }
        #expect(c == Example())
    }
}
