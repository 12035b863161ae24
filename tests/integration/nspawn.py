"""A throwaway systemd container (systemd-nspawn over the host's own /, volatile) to run the unit under a real
systemd without ever touching the host's PID 1.

    with Container(unit=UNIT, binary=BIN, confdir=tmpdir) as c:
        c.wait_until_running()
        c.run("systemctl", "start", "telemetryd")

The container shares the host network, so a collector on 127.0.0.1 is reachable from the unit. Teardown always
kills the container's init (which takes the whole PID namespace with it) and the nspawn process.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import time


class ContainerError(AssertionError):
    pass


def missing_preconditions() -> str | None:
    """A reason to skip the systemd tests, or None when a container can be booted here."""
    if os.geteuid() != 0:
        return "systemd-nspawn needs root (running as uid %d)" % os.geteuid()
    for tool in ("systemd-nspawn", "nsenter", "pgrep"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install systemd-container util-linux procps)"
    if not pathlib.Path("/usr/lib/systemd/systemd").exists() and not pathlib.Path("/lib/systemd/systemd").exists():
        return "no systemd on this host to boot in a container"
    return None


def foreign_library_dirs(binary: str) -> list[str]:
    """Directories outside /usr and /lib holding shared libraries the binary needs (e.g. a debug build's Swift
    runtime in /opt/swift/usr/lib/swift/linux): the volatile container only has the host's /usr."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    dirs: list[str] = []
    for line in out.splitlines():
        if "=>" not in line:
            continue
        target = line.split("=>", 1)[1].strip().split(" ")[0]
        if not target.startswith("/"):
            continue
        d = os.path.dirname(os.path.realpath(target))
        if d.startswith(("/usr/", "/lib", "/lib64")) or d in dirs:
            continue
        dirs.append(d)
    return dirs


class Container:
    def __init__(self, *, unit: str, binary: str, confdir: str, confdir_writable: bool = False,
                 catalog: str | None = None, extra_args: list[str] | None = None, log_path: str | None = None,
                 extra_binaries: dict[str, str] | None = None, extra_units: dict[str, str] | None = None,
                 extra_confdirs: dict[str, str] | None = None):
        """extra_binaries: {name: path} also put in /usr/bin (e.g. telemetry-collector); extra_units:
        {unit name: path} bound read-only to /etc/systemd/system/; extra_confdirs: {container dir: host dir}
        bound read-only (e.g. /etc/telemetry-collector)."""
        self.unit = os.path.realpath(unit)
        self.binary = os.path.realpath(binary)
        self.confdir = os.path.realpath(confdir)
        self.confdir_writable = confdir_writable
        self.catalog = os.path.realpath(catalog) if catalog else None
        self.extra_args = list(extra_args or [])
        self.log_path = log_path
        self.extra_binaries = {n: os.path.realpath(b) for n, b in (extra_binaries or {}).items()}
        self.extra_units = {n: os.path.realpath(u) for n, u in (extra_units or {}).items()}
        self.extra_confdirs = {c: os.path.realpath(h) for c, h in (extra_confdirs or {}).items()}
        self.proc: subprocess.Popen | None = None
        self.init_pid: int | None = None
        self._log = None

    # ---------------------------------------------------------------- lifecycle
    def _bin_dir(self) -> str:
        if getattr(self, "_bindir", None) is None:
            import tempfile
            self._bindir = tempfile.mkdtemp(prefix="telemetryd-nspawn-bin-")
            os.chmod(self._bindir, 0o755)  # the top layer gives the merged /usr/bin its mode
            for name, binary in {"telemetryd": self.binary, **self.extra_binaries}.items():
                target = os.path.join(self._bindir, name)
                try:
                    os.link(binary, target)
                except OSError:
                    shutil.copy2(binary, target)
        return self._bindir

    def _catalog_dir(self) -> str:
        if getattr(self, "_catdir", None) is None:
            import tempfile
            self._catdir = tempfile.mkdtemp(prefix="telemetryd-nspawn-catalog-")
            os.chmod(self._catdir, 0o755)
            shutil.copy2(self.catalog, os.path.join(self._catdir, "telemetryd.catalog"))
            os.chmod(os.path.join(self._catdir, "telemetryd.catalog"), 0o644)
        return self._catdir

    def command(self) -> list[str]:
        cmd = ["systemd-nspawn", "-q", "-D", "/", "--volatile=yes", "--register=no", "--keep-unit",
               "--console=passive",
               f"--bind-ro={self.unit}:/etc/systemd/system/telemetryd.service",
               # /usr is the host's, read-only: a bind needs an existing mount point, so the binary comes in
               # through an overlay of /usr/bin with a directory holding only it on top.
               f"--overlay-ro=/usr/bin:{self._bin_dir()}:/usr/bin",
               (f"--bind={self.confdir}:/etc/telemetryd" if self.confdir_writable
                else f"--bind-ro={self.confdir}:/etc/telemetryd")]
        if self.catalog:
            # journalctl --update-catalog reads only /usr/lib/systemd/catalog/ and /usr/local/lib/systemd/catalog/
            # (systemd 252, catalog_file_dirs), never /etc: the catalog enters where it is installed, by an overlay.
            cmd.append(f"--overlay-ro=/usr/lib/systemd/catalog:{self._catalog_dir()}:/usr/lib/systemd/catalog")
        for name, path in self.extra_units.items():
            cmd.append(f"--bind-ro={path}:/etc/systemd/system/{name}")
        for inside, host in self.extra_confdirs.items():
            cmd.append(f"--bind-ro={host}:{inside}")
        library_dirs: list[str] = []
        for b in [self.binary, *self.extra_binaries.values()]:
            library_dirs += [d for d in foreign_library_dirs(b) if d not in library_dirs]
        for d in library_dirs:
            cmd.append(f"--bind-ro={d}")
        cmd += self.extra_args
        cmd += ["-b", "--", "systemd.unit=multi-user.target", "systemd.firstboot=off"]
        return cmd

    def start(self, timeout: float = 30.0) -> "Container":
        if self.log_path:
            self._log = open(self.log_path, "wb")
        out = self._log if self._log else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ContainerError(f"systemd-nspawn exited with {self.proc.returncode} before the container booted"
                                     f"{self._log_tail()}")
            p = subprocess.run(["pgrep", "-P", str(self.proc.pid), "-x", "systemd"], capture_output=True, text=True)
            pids = p.stdout.split()
            if pids:
                self.init_pid = int(pids[0])
                return self
            time.sleep(0.05)
        self.stop()
        raise ContainerError(f"no systemd child of nspawn pid {self.proc.pid} after {timeout}s{self._log_tail()}")

    def stop(self) -> None:
        """Kill the container. Always safe to call, also after a failed start."""
        if self.init_pid is not None:
            try:
                os.kill(self.init_pid, signal.SIGKILL)  # init dies -> the kernel kills its whole PID namespace
            except ProcessLookupError:
                pass
        if self.proc is not None and self.proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                try:
                    self.proc.send_signal(sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._log:
            self._log.close()
            self._log = None
        if getattr(self, "_bindir", None):
            shutil.rmtree(self._bindir, ignore_errors=True)
            self._bindir = None
        if getattr(self, "_catdir", None):
            shutil.rmtree(self._catdir, ignore_errors=True)
            self._catdir = None

    def __enter__(self) -> "Container":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def _log_tail(self) -> str:
        if not self.log_path:
            return ""
        try:
            text = pathlib.Path(self.log_path).read_text(errors="replace")
        except OSError:
            return ""
        return "\n--- nspawn output (tail) ---\n" + "\n".join(text.splitlines()[-30:])

    # ---------------------------------------------------------------- inside
    def run(self, *cmd: str, check: bool | int = False, timeout: float = 30.0, input: str | None = None
            ) -> subprocess.CompletedProcess:
        """Run a command inside the container (all namespaces of its init)."""
        if self.init_pid is None:
            raise ContainerError("container not started")
        p = subprocess.run(["nsenter", "-t", str(self.init_pid), "-a", "--", *cmd], capture_output=True, text=True,
                           timeout=timeout, input=input)
        if check is not False:
            want = 0 if check is True else check
            if p.returncode != want:
                raise ContainerError(f"in container: {' '.join(cmd)} exited {p.returncode}, wanted {want}\n"
                                     f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def wait_until_running(self, timeout: float = 60.0) -> str:
        """Wait until `systemctl is-system-running` says running or degraded; returns that word."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise ContainerError(f"container exited with {self.proc.returncode} while booting{self._log_tail()}")
            state = self.run("systemctl", "is-system-running", timeout=10).stdout.strip()
            if state in ("running", "degraded"):
                return state
            time.sleep(0.2)
        raise ContainerError(f"container not up after {timeout}s: is-system-running says {state!r}{self._log_tail()}")

    def show(self, unit: str, *props: str) -> dict[str, str]:
        """`systemctl show UNIT -p A -p B` as a dict."""
        args = ["systemctl", "show", unit]
        for p in props:
            args += ["-p", p]
        out = self.run(*args, check=True).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def wait_for(self, predicate, timeout: float = 20.0, interval: float = 0.2, what: str = "condition"):
        """Poll predicate() (inside or outside) until it returns a truthy value; returns it."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise ContainerError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")

    def journal(self, *args: str) -> list[dict]:
        """`journalctl -o json ARGS` entries as dicts."""
        import json
        out = self.run("journalctl", "--no-pager", "-o", "json", *args, timeout=30).stdout
        entries = []
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("{"):
                entries.append(json.loads(line))
        return entries
