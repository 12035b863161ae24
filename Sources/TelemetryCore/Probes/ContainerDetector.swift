/// Everything `systemd-detect-virt --container` would look at, as gathered by ``HostProbe`` (or a test).
public struct ContainerEvidence: Sendable, Equatable {
    /// `/proc/vz` and `/proc/bc` exist (OpenVZ: the first inside and outside, the second only on the host).
    public var procVzExists: Bool
    public var procBcExists: Bool
    /// `/proc/sys/kernel/osrelease` (WSL kernels say `Microsoft` or `WSL`).
    public var kernelRelease: String?
    /// `/run/host/container-manager`, first line.
    public var runHostContainerManager: String?
    /// `/run/systemd/container`, first line (written by systemd as PID 1 from its `$container`).
    public var runSystemdContainer: String?
    /// The `container=` value of PID 1's environment; no other variable is kept.
    public var pid1Container: String?
    /// `/run/.containerenv` exists (podman).
    public var containerenvExists: Bool
    /// `/.dockerenv` exists (docker).
    public var dockerenvExists: Bool
    /// Whether the root looks like a system at all (has `/proc` or `/run`); without it the answer is nil.
    public var rootHasSystemDirectories: Bool

    public init(
        procVzExists: Bool = false, procBcExists: Bool = false, kernelRelease: String? = nil,
        runHostContainerManager: String? = nil, runSystemdContainer: String? = nil, pid1Container: String? = nil,
        containerenvExists: Bool = false, dockerenvExists: Bool = false, rootHasSystemDirectories: Bool = true
    ) {
        self.procVzExists = procVzExists
        self.procBcExists = procBcExists
        self.kernelRelease = kernelRelease
        self.runHostContainerManager = runHostContainerManager
        self.runSystemdContainer = runSystemdContainer
        self.pid1Container = pid1Container
        self.containerenvExists = containerenvExists
        self.dockerenvExists = dockerenvExists
        self.rootHasSystemDirectories = rootHasSystemDirectories
    }
}

/// `systemd-detect-virt --container` (systemd 252 `detect_container()`), over gathered evidence.
public enum ContainerDetector {
    static let known: Set<String> = [
        "lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman", "rkt", "wsl", "proot", "pouch", "openvz",
    ]

    /// A `$container` value as systemd names it: known managers as they are, `oci` from marker files or
    /// `container-other`, anything else `container-other`.
    public static func translate(_ raw: String, containerenv: Bool = false, dockerenv: Bool = false) -> String {
        let name = raw.trimmedASCII()
        if name == "oci" { return fromMarkerFiles(containerenv: containerenv, dockerenv: dockerenv) ?? "container-other" }
        return known.contains(name) ? name : "container-other"
    }

    static func fromMarkerFiles(containerenv: Bool, dockerenv: Bool) -> String? {
        if containerenv { return "podman" }
        if dockerenv { return "docker" }
        return nil
    }

    /// True for a WSL kernel release (`4.4.0-19041-Microsoft`, `5.15.153.1-microsoft-standard-WSL2`).
    public static func isWSLKernel(_ release: String) -> Bool {
        release.lowercased().contains("microsoft") || release.contains("WSL")
    }

    /// The systemd answer: `none`, `docker`, `podman`, `systemd-nspawn`, `lxc`, `wsl`, …, `container-other`;
    /// nil when the root has no `/proc` or `/run` to tell from.
    public static func detect(_ e: ContainerEvidence) -> String? {
        if e.procVzExists && !e.procBcExists { return "openvz" }
        if let r = e.kernelRelease, isWSLKernel(r) { return "wsl" }
        for source in [e.runHostContainerManager, e.runSystemdContainer, e.pid1Container] {
            if let v = source?.trimmedASCII(), !v.isEmpty {
                return translate(v, containerenv: e.containerenvExists, dockerenv: e.dockerenvExists)
            }
        }
        if let f = fromMarkerFiles(containerenv: e.containerenvExists, dockerenv: e.dockerenvExists) { return f }
        guard e.rootHasSystemDirectories || e.kernelRelease != nil else { return nil }
        return "none"
    }
}
