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
        try read(schema: schema, warnings: &warnings) { file throws(ConfigError) in files.append(file) }
        return files
    }

    /// The same files handed to `apply` one by one, each as soon as it is parsed: the main file is applied before
    /// the drop-in directories are listed, and a drop-in before the next is read, so the first error reported is
    /// the first one met in the order the files apply (a bad value in the main file before a broken drop-in).
    public func read(schema: [String: [String]], warnings: inout [ConfigDiagnostic],
                     apply: (ParsedConfigFile) throws(ConfigError) -> Void) throws(ConfigError) {
        switch try ConfigFileSet.readFile(mainPath) {
        case .some(let bytes): try apply(try ConfigParser.parse(bytes: bytes, fileName: mainPath, schema: schema))
        case .none:
            if requireMainFile { throw ConfigError(location: nil, key: nil, message: "\(mainPath): no such file") }
        }
        for path in try dropInPaths(warnings: &warnings) {
            // A drop-in that vanished between listing and reading is simply not there any more.
            guard let bytes = try ConfigFileSet.readFile(path) else { continue }
            try apply(try ConfigParser.parse(bytes: bytes, fileName: path, schema: schema))
        }
    }

    /// The drop-in files to apply after the main file, in order: every `*.conf` of every directory, a name taken
    /// from the first directory that has it (so /etc masks /run, which masks /usr/lib), sorted by name in byte
    /// order (strcmp, as systemd's conf_files_list()).
    public func dropInPaths(warnings: inout [ConfigDiagnostic]) throws(ConfigError) -> [String] {
        var chosen: [String: String] = [:]     // file name -> path; the first directory wins
        for dir in dropInDirectories {
            for name in try ConfigFileSet.listDropIns(dir, warnings: &warnings) where chosen[name] == nil {
                chosen[name] = dir.hasSuffix("/") ? dir + name : "\(dir)/\(name)"
            }
        }
        return chosen.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.compactMap { chosen[$0] }
    }
}
