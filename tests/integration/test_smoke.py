"""Smoke tests of the built binary's commands that need no collector and no systemd.

Self-contained (no fixtures from conftest) so they run first and alone: if these fail, the rest is noise.
"""
import json
import os
import pathlib
import socket
import subprocess

import jsonschema
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("TELEMETRYD_BIN", str(ROOT / ".build/debug/telemetryd"))
SCHEMA = json.loads((ROOT / "schema/report-v1.schema.json").read_text())


def telemetryd(*args, env=None, check=None):
    e = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "TELEMETRYD_DISABLE", "TELEMETRYD_DEBUG")}
    e.update(env or {})
    p = subprocess.run([BIN, *args], capture_output=True, text=True, env=e, timeout=60)
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
    return p


def split_documents(text):
    decoder = json.JSONDecoder()
    docs, i = [], 0
    text = text.strip()
    while i < len(text):
        doc, end = decoder.raw_decode(text, i)
        docs.append(doc)
        i = end
        while i < len(text) and text[i].isspace():
            i += 1
    return docs


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "telemetry.conf"
    path.write_text("[Telemetry]\nEndpoint=http://127.0.0.1:9/v1/reports\nRandomizedDelaySec=0\n")
    return path


def test_show_prints_both_reports_valid_per_schema(tmp_path, conf):
    p = telemetryd("show", "--config", str(conf), "--state-dir", str(tmp_path / "state"), check=0)
    docs = split_documents(p.stdout)
    assert [d["type"] for d in docs] == ["keepalive", "diagnostics"]
    for d in docs:
        jsonschema.Draft202012Validator(SCHEMA).validate(d)
    assert docs[0]["instanceId"] == docs[1]["instanceId"]
    # The IDs persist: a second run shows the same instance.
    again = split_documents(telemetryd("show", "--type", "keepalive", "--config", str(conf),
                                       "--state-dir", str(tmp_path / "state"), check=0).stdout)
    assert again[0]["instanceId"] == docs[0]["instanceId"]
    assert again[0]["messageId"] != docs[0]["messageId"]


def test_show_leaks_nothing_personal(tmp_path, conf):
    out = telemetryd("show", "--config", str(conf), "--state-dir", str(tmp_path / "s"), check=0).stdout
    hostname = socket.gethostname()

    def strings(node):
        if isinstance(node, dict):
            for v in node.values():
                yield from strings(v)
        elif isinstance(node, list):
            for v in node:
                yield from strings(v)
        elif isinstance(node, str):
            yield node

    values = [v for d in split_documents(out) for v in strings(d)]
    assert hostname and hostname not in values
    if len(hostname) >= 6:  # a short name like "vm" is a substring of "kvm" by chance
        assert hostname not in out
    for path in ("/etc/machine-id", "/proc/sys/kernel/random/boot_id"):
        try:
            raw = pathlib.Path(path).read_text().strip()
        except OSError:
            continue
        assert raw not in out.replace("-", "")
        assert raw not in out
    assert str(tmp_path) not in out
    user = os.environ.get("USER") or "root"
    assert f'"{user}"' not in out


def test_status_of_a_fresh_install(tmp_path, conf):
    p = telemetryd("status", "--config", str(conf), "--state-dir", str(tmp_path / "state"), check=0)
    lines = dict(line.split(": ", 1) for line in p.stdout.splitlines())
    assert lines["Telemetry"] == "enabled"
    assert lines["Endpoint"] == "http://127.0.0.1:9/v1/reports"
    assert lines["Last keepalive"] == "never"
    assert lines["Queued"] == "0"
    # status creates nothing
    assert not (tmp_path / "state").exists()


def test_disable_then_enable_writes_the_drop_in(tmp_path, conf):
    p = telemetryd("disable", "--config", str(conf), check=0)
    dropin = tmp_path / "telemetry.conf.d" / "50-cli.conf"
    assert str(dropin) in p.stdout
    assert "Enable=no" in dropin.read_text()
    status = telemetryd("status", "--json", "--config", str(conf), "--state-dir", str(tmp_path / "s"), check=0)
    doc = json.loads(status.stdout)
    assert doc["enabled"] is False
    assert doc["disabledBy"].startswith(str(dropin) + ":")
    telemetryd("enable", "--config", str(conf), check=0)
    assert json.loads(telemetryd("status", "--json", "--config", str(conf), "--state-dir", str(tmp_path / "s")).stdout)["enabled"]


@pytest.mark.parametrize("var", ["DO_NOT_TRACK", "TELEMETRYD_DISABLE"])
def test_environment_opt_out_is_named(tmp_path, conf, var):
    # The daemon's environment decides, and status names the variable (the caller's own environment does not).
    import time
    e = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "TELEMETRYD_DISABLE")}
    d = subprocess.Popen([BIN, "run", "--config", str(conf), "--state-dir", str(tmp_path)], env={**e, var: "1"},
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "daemon.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        p = telemetryd("status", "--config", str(conf), "--state-dir", str(tmp_path), check=0)
        assert f"Telemetry: disabled by ${var}" in p.stdout, p.stdout
    finally:
        d.terminate()
        d.wait(timeout=10)


def test_bad_value_is_a_configuration_error_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("[Telemetry]\n\nKeepAliveIntervalSec=6 hours please\n")
    p = telemetryd("show", "--config", str(bad), "--state-dir", str(tmp_path), check=2)
    assert f"{bad}:3" in p.stderr
    assert "KeepAliveIntervalSec" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert p.stdout == ""


def test_usage_errors_exit_2(tmp_path):
    assert telemetryd("frobnicate").returncode == 2
    assert telemetryd("show", "--type", "everything").returncode == 2
    assert telemetryd("show", "--config", str(tmp_path / "missing.conf")).returncode == 2


def test_help_and_version_exit_0():
    assert "telemetryd" in telemetryd("--help", check=0).stdout
    assert telemetryd("--version", check=0).stdout.strip()


def _os_release():
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            text = pathlib.Path(path).read_text()
        except OSError:
            continue
        import shlex
        return {k: " ".join(shlex.split(v)) for k, _, v in (l.partition("=") for l in text.splitlines()) if k and not k.startswith("#")}
    return {}


def test_diagnostics_match_what_the_host_tools_say(tmp_path, conf):
    """The issue's acceptance check: every field as nproc, /proc/meminfo, uname, os-release and systemd-detect-virt say."""
    doc = split_documents(telemetryd("show", "--type", "diagnostics", "--config", str(conf),
                                     "--state-dir", str(tmp_path), check=0).stdout)[0]["data"]
    assert doc["cpu"]["logicalCores"] == int(subprocess.check_output(["nproc"], text=True))
    meminfo = {l.split(":")[0]: int(l.split()[1]) * 1024 for l in pathlib.Path("/proc/meminfo").read_text().splitlines()}
    assert doc["memory"]["totalBytes"] == meminfo["MemTotal"]
    assert doc["memory"]["swapTotalBytes"] == meminfo["SwapTotal"]
    # Available memory moves; it must be a plausible share of the total.
    assert 0 < doc["memory"]["availableBytes"] <= meminfo["MemTotal"]
    assert doc["os"]["arch"] == os.uname().machine
    assert doc["os"]["kernel"] == os.uname().release
    rel = _os_release()
    assert doc["os"]["id"] == rel.get("ID")
    assert doc["os"]["versionId"] == rel.get("VERSION_ID")
    assert doc["os"]["prettyName"] == rel.get("PRETTY_NAME")
    uptime = float(pathlib.Path("/proc/uptime").read_text().split()[0])
    assert abs(doc["uptimeSec"] - uptime) < 30
    cpu_models = {l.split(":", 1)[1].strip() for l in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                  if l.startswith("model name")}
    if cpu_models:
        assert doc["cpu"]["model"] in cpu_models
    for flag, key in (("--vm", "virtualization"), ("--container", "container")):
        try:
            said = subprocess.run(["systemd-detect-virt", flag], capture_output=True, text=True).stdout.strip()
        except FileNotFoundError:
            pytest.skip("systemd-detect-virt is not installed")
        assert doc[key] == said, (key, doc[key], said)


def test_show_opens_no_network_connection(tmp_path, conf):
    import shutil
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (scripts/install-deps --test installs it)")
    trace = tmp_path / "trace"
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=socket,connect", "-o", str(trace), BIN, "show",
                    "--config", str(conf), "--state-dir", str(tmp_path / "s")], check=True, capture_output=True, timeout=60)
    calls = trace.read_text()
    assert "AF_INET" not in calls and "AF_INET6" not in calls, calls


def test_show_refuses_state_it_cannot_read(tmp_path, conf):
    """A non-root user must not get made-up IDs that look real when the daemon's state is root-only."""
    import shutil
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run the binary as another user")
    import tempfile
    base = pathlib.Path(tempfile.mkdtemp(prefix="telemetryd-perm-"))  # /tmp/pytest-of-root is 0700: not usable here
    try:
        _run_as_nobody(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _run_as_nobody(base):
    base.chmod(0o755)
    conf = base / "telemetry.conf"
    conf.write_text("[Telemetry]\nEndpoint=http://127.0.0.1:9/v1/reports\n")
    conf.chmod(0o644)
    state = base / "state"
    telemetryd("show", "--config", str(conf), "--state-dir", str(state), check=0)  # creates the IDs, as root
    state.chmod(0o700)
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BIN, "show",
                        "--config", str(conf), "--state-dir", str(state)], capture_output=True, text=True, timeout=60)
    if "Permission denied" in p.stderr and "telemetryd:" not in p.stderr:
        pytest.skip("the binary itself is not executable by nobody here")
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert "permission denied; run as root" in p.stderr
    assert p.stdout == ""
