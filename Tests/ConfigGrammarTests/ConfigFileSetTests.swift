import Foundation
import Testing
import TestSupport
@testable import ConfigGrammar

/// A main file and drop-ins from several directories, on disk: which files, in which order, and which error first.
@Suite("Config: the file set (main file, drop-ins, masking)", .removesTemporaryDirectories)
struct ConfigFileSetTests {
    static let schema = ["S": ["A", "B"]]

    struct Tree {
        let root: String
        var main: String { "\(root)/etc/x.conf" }
        var etc: String { "\(root)/etc/x.conf.d" }
        var run: String { "\(root)/run/x.conf.d" }
        var usr: String { "\(root)/usr/lib/x.conf.d" }
        var files: ConfigFileSet { ConfigFileSet(mainPath: main, dropInDirectories: [etc, run, usr], requireMainFile: false) }

        init() throws {
            root = try TemporaryDirectories.make("configfileset")
            for d in [etc, run, usr] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        }
        func write(_ path: String, _ text: String) throws { try text.write(toFile: path, atomically: false, encoding: .utf8) }
    }

    @Test func dropInsAreSortedByNameAcrossDirectoriesAndTheStrongestDirectoryMasks() throws {
        let t = try Tree()
        try t.write(t.main, "[S]\nA=main\n")
        try t.write("\(t.usr)/10-vendor.conf", "[S]\nA=usr10\n")
        try t.write("\(t.run)/10-vendor.conf", "[S]\nA=run10\n")      // masks /usr's
        try t.write("\(t.etc)/20-admin.conf", "[S]\nB=etc20\n")
        try t.write("\(t.usr)/20-admin.conf", "[S]\nB=usr20\n")       // masked by /etc's
        try t.write("\(t.usr)/Z.conf", "[S]\nA=Z\n")
        try t.write("\(t.run)/a.conf", "[S]\nA=a\n")                  // "Z" < "a" in byte order
        try t.write("\(t.etc)/.hidden.conf", "[S]\nA=hidden\n")
        try t.write("\(t.etc)/notes.txt", "[S]\nA=txt\n")
        try FileManager.default.createSymbolicLink(atPath: "\(t.etc)/30-masked.conf", withDestinationPath: "/dev/null")
        try t.write("\(t.usr)/30-masked.conf", "[S]\nA=masked\n")

        var warnings: [ConfigDiagnostic] = []
        #expect(try t.files.dropInPaths(warnings: &warnings) == [
            "\(t.run)/10-vendor.conf", "\(t.etc)/20-admin.conf", "\(t.etc)/30-masked.conf", "\(t.usr)/Z.conf", "\(t.run)/a.conf",
        ])
        let read = try t.files.read(schema: Self.schema, warnings: &warnings)
        #expect(read.flatMap(\.assignments).map { "\($0.key)=\($0.value)" } == ["A=main", "A=run10", "B=etc20", "A=Z", "A=a"])
        #expect(read.map(\.fileName).first == t.main)
        #expect(warnings.isEmpty)
    }

    @Test func aMissingMainFileIsAnErrorOnlyWhenItWasNamed() throws {
        let t = try Tree()
        var warnings: [ConfigDiagnostic] = []
        #expect(try t.files.read(schema: Self.schema, warnings: &warnings).isEmpty)
        var named = t.files
        named.requireMainFile = true
        #expect(throws: ConfigError(location: nil, key: nil, message: "\(t.main): no such file")) {
            try named.read(schema: Self.schema, warnings: &warnings)
        }
    }

    /// Each file is applied as soon as it is parsed: a bad value in the main file is reported before a drop-in that
    /// does not parse, as the files apply (and as telemetryd has always reported it).
    @Test func filesAreAppliedOneByOneSoTheFirstErrorIsTheFirstMet() throws {
        let t = try Tree()
        try t.write(t.main, "[S]\nA=rejected\n")
        try t.write("\(t.etc)/10-broken.conf", "[S]\nthis line has no equals sign\n")
        var warnings: [ConfigDiagnostic] = []
        var applied: [String] = []
        let valueError = ConfigError(location: ConfigLocation(file: t.main, line: 2), key: "A", message: "A=rejected: no")
        #expect(throws: valueError) {
            try t.files.read(schema: Self.schema, warnings: &warnings) { file throws(ConfigError) in
                applied.append(file.fileName)
                if let a = file.assignments.first(where: { $0.value == "rejected" }) {
                    throw ConfigError(location: a.location, key: a.key, message: "A=rejected: no")
                }
            }
        }
        #expect(applied == [t.main])
        // With the main file fixed, the broken drop-in is the error, at its own file:line.
        try t.write(t.main, "[S]\nA=fine\n")
        #expect(throws: ConfigError(location: ConfigLocation(file: "\(t.etc)/10-broken.conf", line: 2), key: nil,
                                    message: "missing '=' in 'this line has no equals sign'; expected Key=value")) {
            try t.files.read(schema: Self.schema, warnings: &warnings)
        }
    }
}
