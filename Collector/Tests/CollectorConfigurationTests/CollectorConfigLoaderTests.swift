import CollectorConfiguration
import Foundation
import Testing

/// collector.conf and its drop-ins read from disk with the repository's shared reader.
@Suite struct CollectorConfigLoaderTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("collector-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func write(_ path: String, _ text: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func loader(named: Bool = true) -> CollectorConfigLoader {
        CollectorConfigLoader.forCommandLine(
            configOption: named ? root.appendingPathComponent("etc/collector.conf").path : nil,
            environment: [:],
            otherDropInDirectories: [root.appendingPathComponent("run/collector.conf.d").path,
                                     root.appendingPathComponent("usr/collector.conf.d").path])
    }

    @Test func dropInsSortedAcrossDirectoriesAndMaskedByName() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try write("etc/collector.conf", "[Collector]\nRetainDays=10\nMaxBodyBytes=1K\n")
        try write("usr/collector.conf.d/50-vendor.conf", "[Collector]\nRetainDays=20\nListen=0.0.0.0:9000\n")
        try write("etc/collector.conf.d/50-vendor.conf", "[Collector]\nRetainDays=30\n")   // masks /usr's 50-vendor.conf
        try write("run/collector.conf.d/60-run.conf", "[Collector]\nMaxBodyBytes=2K\n")
        try write("run/collector.conf.d/ignored.txt", "[Collector]\nMaxBodyBytes=3K\n")
        let (c, warnings) = try loader().load()
        #expect(c.retainDays == 30)
        #expect(c.maxBodyBytes == 2048)
        #expect(c.listen == ListenAddress(host: "127.0.0.1", port: 8080))   // only in the masked file
        #expect(warnings.isEmpty)
    }

    @Test func namedMainFileMustExistDefaultNeedNot() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: (any Error).self) { try loader().load() }
        let unnamed = CollectorConfigLoader.forCommandLine(configOption: nil, environment: [:], otherDropInDirectories: [])
        #expect(unnamed.files.mainPath == CollectorConfigLoader.defaultMainPath)
        #expect(!unnamed.files.requireMainFile)
        let env = CollectorConfigLoader.forCommandLine(configOption: nil, environment: ["TELEMETRY_COLLECTOR_CONFIG": "/x/c.conf"])
        #expect(env.files.mainPath == "/x/c.conf" && env.files.requireMainFile)
        #expect(env.files.dropInDirectories.first == "/x/collector.conf.d")
    }
}
