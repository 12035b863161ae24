/// The version of telemetryd and telemetry-collector, released together from one tree: the one place it is
/// written. Both binaries print it for `--version`, reports carry it as `agent.version`, and scripts/build-deb
/// takes the Debian packages' upstream version from the binary's `--version`
/// (tests/integration/test_version.py checks that the sources, binaries, packages and README agree).
public enum ProjectVersion {
    public static let string = "0.1.0"
}
