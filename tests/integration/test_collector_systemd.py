"""telemetry-collector's units under a real systemd (nspawn): socket activation, Type=notify, watchdog, reload,
DynamicUser state, stop; with the real telemetryd.service in the same container reporting to it. And the unit's
exposure score, offline."""
from __future__ import annotations

import http.client
import json
import pathlib
import re
import socket
import subprocess
import time

import pytest

import nspawn
from conftest import BIN, COLLECTOR_BIN, COLLECTOR_SOCKET, COLLECTOR_UNIT, UNIT, config_text

SERVICE = "telemetry-collector.service"
DB = "/var/lib/private/telemetry-collector/reports.db"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port: int, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/v1/reports", body=body, headers={"Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


def write(path: pathlib.Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o755)
    path.write_text(text)
    path.chmod(0o644)


@pytest.fixture(scope="module")
def box(tmp_path_factory, binary, collector_binary):
    reason = nspawn.missing_preconditions()
    if reason:
        pytest.skip(reason)
    for p in (COLLECTOR_UNIT, COLLECTOR_SOCKET):
        if not p.exists():
            pytest.fail(f"unit file not found at {p}")
    tmp = tmp_path_factory.mktemp("collector-systemd")
    port = free_port()
    write(tmp / "etc-telemetryd" / "telemetry.conf", config_text(f"http://127.0.0.1:{port}/v1/reports"))
    write(tmp / "etc-collector" / "collector.conf", "[Collector]\n")
    write(tmp / "socket.d" / "port.conf", f"[Socket]\nListenStream=\nListenStream=127.0.0.1:{port}\n")
    # A short watchdog: a collector that stopped pinging would be killed and restarted within the test.
    write(tmp / "service.d" / "watchdog.conf", "[Service]\nWatchdogSec=3s\n")
    container = nspawn.Container(
        unit=str(UNIT), binary=binary, confdir=str(tmp / "etc-telemetryd"), log_path=str(tmp / "nspawn.log"),
        extra_binaries={"telemetry-collector": collector_binary},
        extra_units={SERVICE: str(COLLECTOR_UNIT), "telemetry-collector.socket": str(COLLECTOR_SOCKET)},
        extra_confdirs={"/etc/telemetry-collector": str(tmp / "etc-collector"),
                        "/etc/systemd/system/telemetry-collector.socket.d": str(tmp / "socket.d"),
                        "/etc/systemd/system/telemetry-collector.service.d": str(tmp / "service.d")})
    with container:
        container.wait_until_running(timeout=60)
        # A first boot applies the presets: both units start enabled. Begin from the socket alone, with an
        # empty database and a telemetryd that has sent nothing yet.
        container.run("systemctl", "stop", "telemetryd.service", SERVICE, "telemetry-collector.socket", check=True)
        container.run("rm", "-rf", "/var/lib/private/telemetry-collector", "/var/lib/private/telemetryd", check=True)
        container.run("systemctl", "start", "telemetry-collector.socket", check=True)
        yield container, port


def prop(c, name: str) -> str:
    return c.show(SERVICE, name)[name]


def logs(c) -> str:
    return c.run("journalctl", "--no-pager", "-b", "-u", SERVICE).stdout


def test_socket_activation_starts_the_collector_on_the_first_report(box, binary, tmp_path):
    c, port = box
    assert prop(c, "ActiveState") == "inactive"
    show = subprocess.run([binary, "show", "--type", "keepalive", "--state-dir", str(tmp_path / "state")],
                          capture_output=True, text=True, timeout=60)
    assert show.returncode == 0, show.stderr
    assert post(port, json.dumps(json.loads(show.stdout)).encode()) == 202, logs(c)
    assert prop(c, "ActiveState") == "active"
    assert prop(c, "Type") == "notify"
    status = prop(c, "StatusText")
    assert status.startswith(f"Listening on 127.0.0.1:{port}; database sqlite:///var/lib/telemetry-collector/reports.db"), status
    # DynamicUser=yes with StateDirectory=: the database belongs to the service's transient user.
    owner = c.run("stat", "-c", "%U", DB, check=True).stdout.strip()
    assert owner not in ("root", ""), owner
    assert re.search(r"listening on 127\.0\.0\.1:\d+", logs(c))
    # The entry carries its catalog MESSAGE_ID, so journalctl can select it and -x explain it.
    listening = c.run("journalctl", "--no-pager", "-o", "cat", "-u", SERVICE,
                      "MESSAGE_ID=4192539d08e143e9a5ca01f97dc15725", check=True).stdout
    assert "listening on 127.0.0.1:" in listening, listening


def test_telemetryd_unit_reports_to_the_collector_unit(box):
    c, port = box
    c.run("systemctl", "start", "telemetryd.service", check=True)
    def counted():
        r = c.run("telemetry-collector", "summary", "--days", "1", "--json")
        if r.returncode != 0:
            return None
        s = json.loads(r.stdout)
        return s if s["activeInstalls"] == 2 and s["days"][-1]["byArch"].get("unknown") == 1 else None
    # Two installs: the host-side `show` report of the previous test (a keep-alive: arch unknown) and the
    # container's own telemetryd, whose diagnostics name its architecture.
    summary = c.wait_for(counted, timeout=30, what="the unit's reports counted by `telemetry-collector summary`")
    assert summary["days"][-1]["newInstalls"] == 2
    assert sum(summary["days"][-1]["byArch"].values()) == 2
    journal = c.run("journalctl", "--no-pager", "-u", "telemetryd", "TELEMETRY_RESULT=sent", check=True).stdout
    assert journal.strip() and "-- No entries --" not in journal
    c.run("systemctl", "stop", "telemetryd.service", check=True)


def test_watchdog_keeps_a_serving_collector_alive(box):
    c, port = box
    pid = prop(c, "MainPID")
    time.sleep(7)   # more than two WatchdogSec=3s periods
    assert prop(c, "ActiveState") == "active"
    assert prop(c, "NRestarts") == "0"
    assert prop(c, "MainPID") == pid
    assert int(prop(c, "WatchdogTimestampMonotonic")) > 0


def test_reload_and_stop(box):
    c, port = box
    c.run("systemctl", "reload", SERVICE, check=True)
    c.wait_for(lambda: "configuration reloaded" in logs(c), timeout=10, what="reload logged")
    assert prop(c, "ActiveState") == "active"
    c.run("systemctl", "stop", SERVICE, check=True)
    assert prop(c, "Result") == "success"
    assert prop(c, "ExecMainStatus") == "0"
    # The socket stays: the next report starts it again, and the database kept the first ones.
    assert c.show("telemetry-collector.socket", "ActiveState")["ActiveState"] == "active"
    r = c.run("telemetry-collector", "summary", "--days", "1", "--json", check=True)
    assert json.loads(r.stdout)["activeInstalls"] >= 1
    # root's commands left the database writable for the dynamic user: the next report starts the service again.
    # Even when root's command is the one that creates the database.
    c.run("rm", "-f", DB, DB + "-wal", DB + "-shm", check=True)
    c.run("telemetry-collector", "summary", "--days", "1", check=True)
    owner = c.run("stat", "-c", "%U", DB, check=True).stdout.strip()
    assert owner != "root"
    show = subprocess.run([BIN, "show", "--type", "keepalive", "--state-dir", "/tmp/collector-systemd-show"],
                          capture_output=True, text=True, timeout=60)
    assert post(port, json.dumps(json.loads(show.stdout)).encode()) == 202, logs(c)


def test_the_units_limits_hold_against_held_connections(box, binary, tmp_path):
    import resource
    c, port = box
    show = subprocess.run([binary, "show", "--type", "keepalive", "--state-dir", str(tmp_path / "state")],
                          capture_output=True, text=True, timeout=60)
    report = json.loads(show.stdout)
    assert post(port, json.dumps(report).encode()) in (200, 202), logs(c)
    pid = prop(c, "MainPID")
    assert prop(c, "LimitNOFILE") == "4096"
    assert prop(c, "TasksMax") == "512"
    assert prop(c, "MemoryMax") == str(1 << 30)
    limits = c.run("cat", f"/proc/{pid}/limits", check=True).stdout
    assert re.search(r"Max open files\s+4096\s+4096", limits), limits
    # More idle connections than MaxConnections= (1024 by default): the oldest give way, a report still lands.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    held = []
    try:
        for _ in range(1500):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        time.sleep(1)
        report["messageId"] = str(__import__("uuid").uuid4())
        started = time.monotonic()
        assert post(port, json.dumps(report).encode()) == 202, logs(c)
        assert time.monotonic() - started < 2
        files = c.run("sh", "-c", f"ls /proc/{pid}/fd | wc -l", check=True).stdout.strip()
        assert int(files) <= 1024 + 64, files
        assert prop(c, "MainPID") == pid and prop(c, "NRestarts") == "0"
    finally:
        for s in held:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_unit_exposure_is_at_most_2():
    out = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(COLLECTOR_UNIT)],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) <= 2.0
