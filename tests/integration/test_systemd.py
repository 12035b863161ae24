"""The unit under a real systemd, booted once for this module in a throwaway systemd-nspawn container.

The container shares the host network: the unit reports to a collector on 127.0.0.1. Its /etc/telemetryd is a
host temp dir bound read-write, so tests change the config from outside and `telemetryd disable` can write inside.
Tests run in file order and leave the unit running and enabled for the next one, unless they say otherwise.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sqlite3
import time

import pytest

import nspawn
from collector import Collector, Reply
from conftest import BIN, CATALOG, UNIT, booted_container, config_text, start_unit

TYPES = {"keepalive", "diagnostics"}
STATE = "/var/lib/private/telemetryd"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class Box:
    def __init__(self, container: nspawn.Container, collector: Collector, confdir: pathlib.Path):
        self.c = container
        self.collector = collector
        self.confdir = confdir

    def prop(self, name: str) -> str:
        return self.c.show("telemetryd.service", name)[name]

    def wait_prop(self, name: str, test, timeout=10.0) -> str:
        return self.c.wait_for(lambda: (lambda v: v if test(v) else None)(self.prop(name)), timeout=timeout,
                               what=f"{name} (now {self.prop(name)!r})")

    def dropin(self, name: str, text: str | None) -> pathlib.Path:
        d = self.confdir / "telemetry.conf.d"
        d.mkdir(exist_ok=True)
        d.chmod(0o755)
        p = d / name
        if text is None:
            p.unlink(missing_ok=True)
        else:
            p.write_text(text)
            p.chmod(0o644)
        return p

    def spool(self) -> list[str]:
        out = self.c.run("sh", "-c", f"ls {STATE}/spool/*.json 2>/dev/null").stdout
        return out.split()

    def journal(self, *matches: str) -> list[dict]:
        return self.c.journal("-u", "telemetryd.service", *matches)


@pytest.fixture(scope="module")
def box(tmp_path_factory, binary):
    with Collector() as collector:
        with booted_container(tmp_path_factory, binary, "systemd", config_text(collector.url),
                              confdir_writable=True) as (container, confdir):
            start_unit(container)
            yield Box(container, collector, confdir)


def test_unit_is_active_with_status_text(box):
    assert box.prop("ActiveState") == "active"
    assert box.prop("Type") == "notify"
    status = box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))
    # Absolute, so it never needs a refresh: the time of day, with the date when the keep-alive is due another day.
    assert re.fullmatch(r"Enabled; next keep-alive (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC; \d+ queued", status), status


def test_reports_sent_and_journal_fields(box):
    reqs = box.collector.wait_for(2, timeout=15)
    ids = {r.json["messageId"] for r in reqs}
    assert {r.json["type"] for r in reqs} == TYPES
    entries = box.c.wait_for(lambda: (lambda e: e if len(e) >= 2 else None)(box.journal("TELEMETRY_RESULT=sent")),
                             timeout=10, what="journal entries with TELEMETRY_RESULT=sent")
    assert {e["TELEMETRY_TYPE"] for e in entries} == TYPES
    for e in entries:
        assert e["TELEMETRY_MESSAGE_ID"] in ids
        assert e.get("TELEMETRY_HTTP_STATUS") == "200"
        assert re.fullmatch(r"[0-9a-f]{32}", e.get("MESSAGE_ID", "")), e.get("MESSAGE_ID")
        assert e.get("PRIORITY") is not None
        assert "[telemetry]" not in e.get("MESSAGE", "")
    # The same through the documented command line.
    out = box.c.run("journalctl", "--no-pager", "-u", "telemetryd", "TELEMETRY_RESULT=sent", check=True).stdout
    assert sum(1 for l in out.splitlines() if "telemetryd" in l) >= 2


def test_catalog_documents_every_message_id(box):
    if not CATALOG.exists():
        pytest.fail(f"catalog not found at {CATALOG}: set TELEMETRYD_CATALOG or add systemd/telemetryd.catalog")
    documented = set(re.findall(r"^-- ([0-9a-f]{32})", CATALOG.read_text(), re.M))
    # Only the daemon's own entries: `-u` also lists systemd's ("Started …"), with systemd's MESSAGE_IDs.
    used = {e["MESSAGE_ID"] for e in box.journal() if "MESSAGE_ID" in e and e.get("_COMM") == "telemetryd"}
    assert used, "no entry of telemetryd itself carries a MESSAGE_ID field in the journal"
    assert used <= documented, f"undocumented MESSAGE_IDs: {used - documented}"


def test_watchdog_is_set(box):
    value = box.prop("WatchdogUSec")  # systemd 252 prints a time span ("30s"); "0"/"infinity" mean off
    assert value not in ("", "0", "infinity"), f"WatchdogUSec={value!r}: the unit sets no WatchdogSec="
    assert value == "10min", f"WatchdogUSec={value!r}: the unit ships WatchdogSec=10min (a ping every five minutes)"


def test_state_lives_in_the_private_state_directory(box):
    iid = box.c.run("cat", f"{STATE}/instance-id", check=True).stdout.strip()
    assert re.fullmatch(UUID, iid), iid
    shown = json.loads(box.c.run("telemetryd", "show", "--type", "keepalive", check=True).stdout)
    assert shown["instanceId"] == iid, "the CLI inside reads the unit's state via /var/lib/telemetryd"
    assert {r.json["instanceId"] for r in box.collector.requests} <= {iid}
    assert box.c.run("test", "-L", "/var/lib/telemetryd").returncode == 0, "DynamicUser + StateDirectory"
    state = json.loads(box.c.run("cat", f"{STATE}/state.json", check=True).stdout)
    assert set(state["lastScheduled"]) == TYPES


def test_reload_keeps_running(box):
    pid = box.prop("MainPID")
    box.c.run("systemctl", "reload", "telemetryd", check=True, timeout=15)
    assert box.prop("ActiveState") == "active"
    assert box.prop("MainPID") == pid
    assert box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))


def test_bad_config_on_reload_keeps_running_and_names_file_line(box):
    pid = box.prop("MainPID")
    box.dropin("90-bad.conf", "[Transport]\nRetryMinSec=whenever\n")
    try:
        box.c.run("systemctl", "reload", "telemetryd", timeout=15)
        status = box.wait_prop("StatusText", lambda v: "90-bad.conf:2" in v)
        assert "/etc/telemetryd/telemetry.conf.d/90-bad.conf:2" in status
        assert box.prop("ActiveState") == "active" and box.prop("MainPID") == pid
    finally:
        box.dropin("90-bad.conf", None)
    box.c.run("systemctl", "reload", "telemetryd", check=True, timeout=15)
    box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))


def test_disable_inside_purges_the_spool(box):
    # Make a spool: forget the schedule, let the collector fail, start again.
    box.c.run("systemctl", "stop", "telemetryd", check=True, timeout=15)
    box.c.run("rm", "-f", f"{STATE}/state.json", check=True)
    box.collector.default = Reply(503)
    try:
        box.c.run("systemctl", "start", "telemetryd", check=True, timeout=30)
        box.c.wait_for(lambda: len(box.spool()) >= 1, timeout=15, what="spooled reports")
        p = box.c.run("telemetryd", "disable", check=True, timeout=30)
        assert len(p.stdout.strip().splitlines()) == 1, p.stdout
        box.c.wait_for(lambda: box.spool() == [], timeout=10, what="spool purged after `telemetryd disable`")
        status = box.wait_prop("StatusText", lambda v: v.startswith("Disabled"))
        assert "/etc/telemetryd/telemetry.conf.d/50-cli.conf:" in status
        assert box.prop("ActiveState") == "active"
        st = box.c.run("telemetryd", "status", check=True).stdout
        assert "Telemetry: disabled by /etc/telemetryd/telemetry.conf.d/50-cli.conf:" in st
    finally:
        box.collector.default = Reply(200)
        box.c.run("telemetryd", "enable", timeout=30)
    box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))


def test_status_tells_the_services_decision_not_the_callers(box):
    box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))
    # An opt-out in the admin's shell does not reach the service: status says what the daemon decided.
    p = box.c.run("env", "DO_NOT_TRACK=1", "telemetryd", "status", check=True)
    assert "Telemetry: enabled\n" in p.stdout, p.stdout
    assert re.search(r"^Daemon: running, PID %s," % box.prop("MainPID"), p.stdout, re.M), p.stdout
    # An opt-out in the unit's environment does, and status says so although the files enable it.
    dropin = "/etc/systemd/system/telemetryd.service.d/90-dnt.conf"
    box.c.run("mkdir", "-p", "/etc/systemd/system/telemetryd.service.d", check=True)
    box.c.run("sh", "-c", f"printf '[Service]\\nEnvironment=DO_NOT_TRACK=1\\n' > {dropin}", check=True)
    try:
        box.c.run("systemctl", "daemon-reload", check=True, timeout=30)
        box.c.run("systemctl", "restart", "telemetryd", check=True, timeout=30)
        box.wait_prop("StatusText", lambda v: v.startswith("Disabled by $DO_NOT_TRACK"))
        doc = json.loads(box.c.run("telemetryd", "status", "--json", check=True).stdout)
        assert doc["enabled"] is False and doc["decidedBy"] == "$DO_NOT_TRACK", doc
        assert doc["decisionSource"] == "daemon" and str(doc["daemon"]["pid"]) == box.prop("MainPID")
        assert doc["endpoint"] == box.collector.url
        # `enable` writes its drop-in, reloads, and says that the service's environment still decides.
        p = box.c.run("telemetryd", "enable", check=True, timeout=30)
        assert "the running daemon is still disabled by $DO_NOT_TRACK" in p.stderr, p.stderr
    finally:
        box.c.run("rm", "-f", dropin)
        box.c.run("systemctl", "daemon-reload", timeout=30)
        box.c.run("systemctl", "restart", "telemetryd", timeout=30)
    box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))


def test_status_refuses_a_user_who_cannot_read_the_state(box):
    p = box.c.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "telemetryd", "status")
    assert p.returncode == 1, p.stdout
    assert "permission denied; run as root" in p.stderr, p.stderr
    assert "never" not in p.stdout and "Queued" not in p.stdout


def test_send_as_root_leaves_the_state_to_the_daemon(box):
    owner = box.c.run("stat", "-c", "%u:%g", STATE, check=True).stdout.strip()
    assert not owner.startswith("0:"), "DynamicUser= gives the state directory to the dynamic user"
    box.c.run("rm", "-f", f"{STATE}/state.lock", check=True)   # so send creates it again, as root
    box.c.run("telemetryd", "send", "--type", "diagnostics", check=True, timeout=60)
    for name in ("state.json", "state.lock", "sent", "daemon.json", "instance-id"):
        got = box.c.run("stat", "-c", "%u:%g", f"{STATE}/{name}", check=True).stdout.strip()
        assert got == owner, f"{name} is owned by {got}, the state directory by {owner}"
    # The daemon still reads it: a restart plans from the recorded schedule and sends nothing early.
    n = len(box.collector.requests)
    box.c.run("systemctl", "restart", "telemetryd", check=True, timeout=30)
    box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))
    time.sleep(1.5)
    assert len(box.collector.requests) == n, [r.json.get("type") for r in box.collector.requests[n:]]
    assert not [e for e in box.journal() if "Cannot read the schedule" in e.get("MESSAGE", "")]


def test_forget_as_root_is_queued_for_the_unit_which_delivers_it(box, make_collector):
    """`telemetryd forget` by the administrator against the service's state, with the real telemetry-collector down:
    queued in a spool file the dynamic user can read, the service reloaded through systemctl, and delivered by the
    hardened daemon once the collector is back, which erases the install; the daemon then deletes its state."""
    c = make_collector().start()
    address = c.address
    box.dropin("60-forget.conf", f"[Telemetry]\nEndpoint={c.endpoint}\n")
    try:
        box.c.run("systemctl", "reload", "telemetryd", check=True, timeout=15)
        owner = box.c.run("stat", "-c", "%u:%g", STATE, check=True).stdout.strip()
        key = box.c.run("stat", "-c", "%a %u:%g", f"{STATE}/erasure-key", check=True).stdout.strip()
        assert key == f"600 {owner}", key
        # One report reaches this collector first, so it pins the install's erasure key hash.
        box.c.run("telemetryd", "send", "--type", "keepalive", check=True, timeout=60)
        instance = box.c.run("cat", f"{STATE}/instance-id", check=True).stdout.strip()
        with sqlite3.connect(c.db_path) as db:
            assert db.execute("SELECT count(*) FROM reports WHERE instance_id = ?", (instance,)).fetchone()[0] > 0
        assert c.stop() == 0
        p = box.c.run("telemetryd", "forget", timeout=60)
        assert p.returncode == 1, p.stdout + p.stderr
        assert "Reloaded telemetryd.service" in p.stdout and "is queued in /var/lib/telemetryd/spool" in p.stderr, p
        [queued] = [f for f in box.spool() if "-forget-" in f]
        assert box.c.run("stat", "-c", "%u:%g", queued, check=True).stdout.strip() == owner
        box.c.wait_for(lambda: [e for e in box.journal("TELEMETRY_TYPE=forget") if e.get("TELEMETRY_RESULT") == "retrying"],
                       timeout=15, what="the daemon's own attempt at the queued forget report")
        back = make_collector(settings={"Listen": address}).start()
        done = box.c.wait_for(lambda: [e for e in box.journal("TELEMETRY_TYPE=forget")
                                       if e.get("TELEMETRY_RESULT") in ("sent", "rejected")], timeout=30,
                              what="the forget report delivered by the daemon")[-1]
        assert not [f for f in box.spool() if "-forget-" in f]
        assert done["TELEMETRY_RESULT"] == "sent"
        box.c.wait_for(lambda: box.journal("MESSAGE_ID=43a2920731924d8aa871201d5ea1ccdd"), timeout=10,
                       what="the erased event")
        assert box.c.run("test", "-e", f"{STATE}/instance-id").returncode != 0
        with sqlite3.connect(back.db_path) as db:
            for table in ("reports", "install_days", "install_day_counters", "installs", "install_keys"):
                assert db.execute(f"SELECT count(*) FROM {table} WHERE instance_id = ?", (instance,)).fetchone()[0] == 0, table
        back.stop()
    finally:
        box.dropin("60-forget.conf", None)
        box.c.run("systemctl", "reload", "telemetryd", timeout=15)
    box.wait_prop("StatusText", lambda v: v.startswith("Enabled"))


def test_stop_within_two_seconds(box):
    t0 = time.monotonic()
    box.c.run("systemctl", "stop", "telemetryd", check=True, timeout=15)
    took = time.monotonic() - t0
    assert took <= 2.0, f"systemctl stop took {took:.2f}s"
    assert box.prop("ActiveState") == "inactive"
    assert box.prop("Result") == "success"
    assert box.prop("ExecMainStatus") == "0"


def test_bad_config_at_start_fails_with_2_and_no_restart_loop(box):
    box.dropin("90-bad.conf", "[Telemetry]\nKeepAliveIntervalSec=often\n")
    try:
        box.c.run("systemctl", "reset-failed", "telemetryd", timeout=15)
        p = box.c.run("systemctl", "start", "telemetryd", timeout=30)
        assert p.returncode != 0
        box.wait_prop("ActiveState", lambda v: v == "failed", timeout=10)
        assert box.prop("ExecMainStatus") == "2"
        # No restart loop: it stays failed, NRestarts stays 0 (bounded look, 2 s).
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            assert box.prop("NRestarts") == "0"
            assert box.prop("ActiveState") == "failed"
            time.sleep(0.25)
        log = "\n".join(e.get("MESSAGE", "") for e in box.journal())
        assert "/etc/telemetryd/telemetry.conf.d/90-bad.conf:2" in log
    finally:
        box.dropin("90-bad.conf", None)
        box.c.run("systemctl", "reset-failed", "telemetryd", timeout=15)


def _start_fresh(box) -> None:
    """The unit running, its start-limit counter and failed state cleared (reset-failed clears both)."""
    box.c.run("systemctl", "reset-failed", "telemetryd", timeout=15)
    box.c.run("systemctl", "start", "telemetryd", check=True, timeout=30)


def test_operator_restarts_do_not_trip_the_start_limit(box):
    _start_fresh(box)
    # Six back-to-back restarts (seven starts with the first): more than the old StartLimitBurst=5 ever allowed.
    for i in range(6):
        p = box.c.run("systemctl", "restart", "telemetryd", timeout=30)
        assert p.returncode == 0, f"restart {i + 1} failed: {p.stderr}"
        assert box.prop("ActiveState") == "active"
    assert box.prop("Result") == "success"


def test_crash_loop_is_bounded_by_the_start_limit(box):
    # The unit's own pacing: one restart per RestartSec=, StartLimitBurst= starts per StartLimitIntervalSec=.
    p = box.c.show("telemetryd.service", "RestartUSec", "StartLimitBurst", "StartLimitIntervalUSec")
    burst = int(p["StartLimitBurst"])
    assert p["RestartUSec"] == "10s" and p["StartLimitIntervalUSec"] == "10min", p
    assert 6 < burst <= 30, p
    # The same limit with a short RestartSec=, so the loop reaches it in seconds: the daemon is killed (an unclean
    # exit, which Restart=on-failure restarts) as soon as each new one is up.
    dropin = "/etc/systemd/system/telemetryd.service.d/90-crash-test.conf"
    box.c.run("mkdir", "-p", "/etc/systemd/system/telemetryd.service.d", check=True)
    box.c.run("sh", "-c", f"printf '[Service]\\nRestartSec=100ms\\n' > {dropin}", check=True)
    box.c.run("systemctl", "daemon-reload", check=True, timeout=30)
    try:
        _start_fresh(box)
        kills = 0
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and box.prop("ActiveState") != "failed":
            pid = box.prop("MainPID")
            if pid != "0" and box.prop("ActiveState") == "active":
                box.c.run("kill", "-KILL", pid)
                kills += 1
                box.c.wait_for(lambda: box.prop("MainPID") != pid, timeout=10, what="the killed daemon to go")
            time.sleep(0.05)
        assert box.prop("ActiveState") == "failed", f"still looping after {kills} kills"
        # systemd 252 keeps Result=signal (the last crash) and logs why it gave up.
        assert any("Start request repeated too quickly" in e.get("MESSAGE", "") for e in box.journal()), \
            "the loop did not end at the start limit"
        # The daemon already running when the counter was reset, then `burst` restarts: burst + 1 crashes at most.
        assert burst - 1 <= kills <= burst + 1, f"{kills} crashes before the start limit stopped the loop (burst {burst})"
        time.sleep(1.0)
        assert box.prop("ActiveState") == "failed", "the loop ended for good"
    finally:
        box.c.run("rm", "-f", dropin)
        box.c.run("systemctl", "daemon-reload", timeout=30)
        _start_fresh(box)


def test_security_exposure_is_at_most_1_5(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    if not UNIT.exists():
        pytest.fail(f"unit file not found at {UNIT}")
    unit = tmp_path / "telemetryd.service"
    shutil.copy(UNIT, unit)
    p = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit)],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.stdout)
    assert m, f"no exposure level in:\n{p.stdout}\n{p.stderr}"
    assert float(m.group(1)) <= 1.5, p.stdout
