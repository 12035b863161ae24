import ConfigGrammar

extension ConfigParser {
    /// A telemetry.conf file, parsed with telemetryd's schema.
    public static func parse(_ text: String, fileName: String) throws(ConfigError) -> ParsedConfigFile {
        try parse(bytes: Array(text.utf8), fileName: fileName, schema: ConfigSchema.keysBySection)
    }

    public static func parse(bytes: [UInt8], fileName: String) throws(ConfigError) -> ParsedConfigFile {
        try parse(bytes: bytes, fileName: fileName, schema: ConfigSchema.keysBySection)
    }
}
