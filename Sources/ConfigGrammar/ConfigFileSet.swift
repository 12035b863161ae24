// The files of any systemd-style INI configuration of this repository (telemetryd's own loader, and
// telemetry-collector's collector.conf): a main file plus `*.conf` drop-ins from several directories, merged
// by file name (the first directory listed masks a same-named file in a later one), sorted in byte order, and
// parsed with the program's own schema. Only the reading and parsing; applying the values is the program's.

public struct ConfigFileSet: Sendable {
    public var mainPath: String
    /// Drop-in directories, strongest first (e.g. `/etc/…/x.conf.d`, `/run/…/x.conf.d`, `/usr/lib/…/x.conf.d`).
    public var dropInDirectories: [String]
    /// The main file was named explicitly (a command-line option or environment variable): missing is an error.
    public var requireMainFile: Bool

    public init(mainPath: String, dropInDirectories: [String], requireMainFile: Bool) {
        self.mainPath = mainPath
        self.dropInDirectories = dropInDirectories
        self.requireMainFile = requireMainFile
    }

    /// `<dir of mainPath>/<name>`, the drop-in directory beside the main file.
    public static func directory(besideMainPath mainPath: String, named name: String) -> String {
        let dir = directoryName(mainPath)
        return dir == "/" ? "/\(name)" : "\(dir)/\(name)"
    }

    /// The main file (when it exists) and every drop-in, parsed with `schema`, in the order to apply them;
    /// `warnings` gets what was skipped while listing the directories.
    public func read(schema: [String: [String]], warnings: inout [ConfigDiagnostic]) throws(ConfigError) -> [ParsedConfigFile] {
        var files: [ParsedConfigFile] = []
        switch try ConfigFileSet.readFile(mainPath) {
        case .some(let bytes): files.append(try ConfigParser.parse(bytes: bytes, fileName: mainPath, schema: schema))
        case .none:
            if requireMainFile { throw ConfigError(location: nil, key: nil, message: "\(mainPath): no such file") }
        }
        var chosen: [String: String] = [:]
        for dir in dropInDirectories {
            for name in try ConfigFileSet.listDropIns(dir, warnings: &warnings) where chosen[name] == nil {
                chosen[name] = dir.hasSuffix("/") ? dir + name : "\(dir)/\(name)"
            }
        }
        for name in chosen.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let path = chosen[name], let bytes = try ConfigFileSet.readFile(path) else { continue }
            files.append(try ConfigParser.parse(bytes: bytes, fileName: path, schema: schema))
        }
        return files
    }
}
