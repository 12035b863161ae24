import Foundation
import Testing
@testable import TelemetryCore
import TelemetryWire
import ConfigGrammar

@Suite("Config: the vendor's drop-ins and [Product]")
struct ConfigVendorTests {
    @Test func vendorDropInIsReadAndAnOperatorsEtcDropInBeatsIt() throws {
        let t = try ConfigTree()
        try FileManager.default.createDirectory(atPath: t.vendorDropIns, withIntermediateDirectories: true)
        try t.write(t.vendorDropIns + "/50-acme.conf", "[Telemetry]\nEndpoint=https://telemetry.acme.example/v1/reports\n[Product]\nName=acme-db\nVersion=4.2.1\n")
        var loaded = try t.loader().load()
        #expect(loaded.config.product.name == "acme-db")
        #expect(loaded.config.endpoint == "https://telemetry.acme.example/v1/reports")
        #expect(loaded.origin(of: "Product.Name") == .file(ConfigLocation(file: t.vendorDropIns + "/50-acme.conf", line: 4)))

        // A later-sorting /etc drop-in wins by order; a same-named one masks the vendor's file entirely.
        try t.write(t.etcDropIns + "/60-local.conf", "[Telemetry]\nEnable=no\n")
        loaded = try t.loader().load()
        #expect(loaded.config.enable == false)
        #expect(loaded.config.product.name == "acme-db")
        try t.write(t.etcDropIns + "/50-acme.conf", "[Telemetry]\nEndpoint=https://collector.internal.example/v1\n")
        loaded = try t.loader().load()
        #expect(loaded.config.endpoint == "https://collector.internal.example/v1")
        #expect(loaded.config.product.name == nil, "the vendor's 50-acme.conf is masked")
        #expect(loaded.origin(of: "Telemetry.Endpoint") == .file(ConfigLocation(file: t.etcDropIns + "/50-acme.conf", line: 2)))
        #expect(!loaded.files.contains(t.vendorDropIns + "/50-acme.conf"))
    }

    @Test func runMasksUsrLibAndAllAreSortedByName() throws {
        let t = try ConfigTree()
        for d in [t.vendorDropIns, t.localVendorDropIns] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try t.write(t.main, "[Telemetry]\n")
        try t.write(t.vendorDropIns + "/10-a.conf", "")
        try t.write(t.runDropIns + "/10-a.conf", "")
        try t.write(t.vendorDropIns + "/30-c.conf", "")
        try t.write(t.localVendorDropIns + "/30-c.conf", "")
        try t.write(t.vendorDropIns + "/40-d.conf", "")
        try t.write(t.etcDropIns + "/20-b.conf", "")
        let files = try t.loader().load().files
        #expect(files == [t.main, t.runDropIns + "/10-a.conf", t.etcDropIns + "/20-b.conf", t.localVendorDropIns + "/30-c.conf",
                          t.vendorDropIns + "/40-d.conf"])
    }

    /// `systemd-analyze cat-config --root=` lists exactly the files telemetryd reads, in its order.
    @Test func sameFilesAsSystemdAnalyzeCatConfig() throws {
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { return }   // not a systemd host
        let t = try ConfigTree()
        for d in [t.vendorDropIns, t.localVendorDropIns] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try t.write(t.main, "[Telemetry]\n")
        try t.write(t.vendorDropIns + "/50-acme.conf", "[Product]\nName=acme-db\n")
        try t.write(t.etcDropIns + "/50-acme.conf", "[Product]\nName=acme-db-local\n")
        try t.write(t.vendorDropIns + "/10-vendor.conf", "[Product]\nVersion=1\n")
        try t.write(t.runDropIns + "/10-vendor.conf", "[Product]\nVersion=2\n")
        try t.write(t.runDropIns + "/20-run.conf", "")
        try t.write(t.localVendorDropIns + "/30-local.conf", "")
        try t.write(t.vendorDropIns + "/70-last.conf", "")
        try t.write(t.etcDropIns + "/.hidden.conf", "")
        try t.write(t.vendorDropIns + "/README", "")
        // The production paths, under the scratch root: the same tree cat-config looks at.
        #expect(t.main == t.root + ConfigLoader.defaultMainPath)
        #expect(t.runDropIns == t.root + ConfigLoader.runtimeDropInDirectory)
        let loaded = try ConfigLoader(mainPath: t.root + ConfigLoader.defaultMainPath,
                                      runtimeDropInDirectory: t.root + ConfigLoader.runtimeDropInDirectory,
                                      vendorDropInDirectories: ConfigLoader.vendorDropInDirectories.map { t.root + $0 },
                                      environment: [:]).load()

        let p = Process()
        p.executableURL = URL(fileURLWithPath: analyze)
        p.arguments = ["cat-config", "--root=\(t.root)", "--no-pager", "telemetryd/telemetry.conf"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let listed = text.split(separator: "\n").filter { $0.hasPrefix("# /") }.map { String($0.dropFirst(2)) }
        #expect(p.terminationStatus == 0)
        #expect(listed == loaded.files, "cat-config: \(listed)")
        #expect(loaded.config.product.name == "acme-db-local")
        #expect(loaded.config.product.version == "2")
    }

    @Test func productKeys() throws {
        let loaded = try ConfigSchema.load(texts: [("/etc/x.conf", """
            [Telemetry]
            ClusterIDFile=/var/lib/acme/cluster-id
            [Product]
            Name=acme-db
            Version=4.2.1 (build 7)
            VersionFile=/usr/share/acme/VERSION
            FactsFile=/var/lib/acme/telemetry-facts.json
            FactsSchema=/usr/share/acme/facts.schema.json
            FactsMaxAgeSec=1d
            """)], environment: [:])
        let c = loaded.config
        #expect(c.clusterIDFile == "/var/lib/acme/cluster-id")
        #expect(c.product.name == "acme-db")
        #expect(c.product.version == "4.2.1 (build 7)")
        #expect(c.product.versionFile == "/usr/share/acme/VERSION")
        #expect(c.product.factsFile == "/var/lib/acme/telemetry-facts.json")
        #expect(c.product.factsSchema == "/usr/share/acme/facts.schema.json")
        #expect(c.product.factsMaxAge == TimeSpan(seconds: 86400))
        #expect(TelemetryConfig().product.factsMaxAge == TimeSpan(seconds: 2 * 86400))
    }

    @Test(arguments: ["acme db", "-acme", "ac/me", String(repeating: "a", count: 65), "acme\u{7f}", "äcme", "acme\"", "acme;rm"])
    func aBadProductNameIsAnErrorWithFileAndLine(name: String) {
        #expect {
            try ConfigSchema.load(texts: [("/usr/lib/telemetryd/telemetry.conf.d/50-acme.conf", "[Product]\n\nName=\(name)\n")], environment: [:])
        } throws: { error in
            guard let e = error as? ConfigError else { return false }
            return e.location == ConfigLocation(file: "/usr/lib/telemetryd/telemetry.conf.d/50-acme.conf", line: 3) && e.key == "Name"
                && e.description.contains("expected a product name")
        }
    }

    @Test func goodNamesAndPathErrors() throws {
        for name in ["acme-db", "ACME_DB", "a", "grafana.enterprise", "x+y", String(repeating: "a", count: 64)] {
            #expect(try ConfigSchema.load(texts: [("/f", "[Product]\nName=\(name)\n")], environment: [:]).config.product.name == name)
        }
        for key in ["VersionFile", "FactsFile", "FactsSchema"] {
            #expect(throws: ConfigError.self) { try ConfigSchema.load(texts: [("/f", "[Product]\n\(key)=relative/path\n")], environment: [:]) }
        }
        #expect(throws: ConfigError.self) { try ConfigSchema.load(texts: [("/f", "[Telemetry]\nClusterIDFile=cluster\n")], environment: [:]) }
        #expect(throws: ConfigError.self) { try ConfigSchema.load(texts: [("/f", "[Product]\nFactsMaxAgeSec=0\n")], environment: [:]) }
    }
}
