"""The unit's life under a real systemd: readiness, watchdog, reload, stop, journal and catalog, restart loops and a
collector outage. One more throwaway systemd-nspawn container (the only extra boot of the suite), with a unit
drop-in that shortens WatchdogSec= to 2s and RestartSec= to 1s, lifts the start limit (the tests restart the unit
on purpose) and turns off core dumps (the watchdog kill is SIGABRT).

Tests run in file order; each leaves the unit running with the original config unless it says otherwise.
"""
from __future__ import annotations

import pathlib
import re
import time

import pytest

import nspawn
from collector import Collector, Reply
from conftest import booted_container, config_text, start_unit

TYPES = {"keepalive", "diagnostics"}
STATE = "/var/lib/private/telemetryd"
STARTED = "043ec8b9c41348de9e9ec0d931ac58b9"
REPORT_SENT = "71157fc101f646c5a128aa3658b8b131"
DROPIN = """[Unit]
StartLimitIntervalSec=0

[Service]
WatchdogSec=2s
RestartSec=1s
LimitCORE=0
"""


class Life:
    def __init__(self, c: nspawn.Container, collector: Collector, confdir: pathlib.Path):
        self.c = c
        self.collector = collector
        self.confdir = confdir

    def props(self, *names: str) -> dict[str, str]:
        return self.c.show("telemetryd.service", *names)

    def prop(self, name: str) -> str:
        return self.props(name)[name]

    def wait_prop(self, name: str, test, timeout=15.0) -> str:
        return self.c.wait_for(lambda: (lambda v: v if test(v) else None)(self.prop(name)), timeout=timeout,
                               what=f"{name} (now {self.prop(name)!r})")

    def journal(self, *matches: str) -> list[dict]:
        return self.c.journal("-u", "telemetryd.service", *matches)

    def systemctl(self, *args: str, check=True, timeout=30.0):
        return self.c.run("systemctl", *args, check=check, timeout=timeout)

    def write_config(self, url: str, **telemetry: str) -> None:
        p = self.confdir / "telemetry.conf"
        p.write_text(config_text(url, telemetry=telemetry or None))
        p.chmod(0o644)

    def spool(self) -> list[str]:
        return self.c.run("sh", "-c", f"ls {STATE}/spool/*.json 2>/dev/null").stdout.split()

    def spool_ids(self) -> set[str]:
        out = self.c.run("sh", "-c", f"cat {STATE}/spool/*.json 2>/dev/null").stdout
        return set(re.findall(r'"messageId"\s*:\s*"([^"]+)"', out))


def ok_ids(collector: Collector) -> list[str]:
    return [r.json["messageId"] for r in collector.requests if r.method == "POST" and r.reply.status == 200]


@pytest.fixture(scope="module")
def life(tmp_path_factory, binary):
    collector = Collector().start()
    try:
        with booted_container(tmp_path_factory, binary, "systemd-life", config_text(collector.url),
                              confdir_writable=True, require_catalog=True) as (container, confdir):
            # The unit may already run (the boot may have started it): the drop-in applies from the next start.
            container.run("systemctl", "stop", "telemetryd.service", check=True, timeout=30)
            container.run("mkdir", "-p", "/etc/systemd/system/telemetryd.service.d", check=True)
            container.run("sh", "-c", "cat > /etc/systemd/system/telemetryd.service.d/50-test.conf", input=DROPIN,
                          check=True)
            container.run("systemctl", "daemon-reload", check=True)
            life = Life(container, collector, confdir)
            yield life
            collector = life.collector   # a test may have replaced it (outage)
    finally:
        collector.stop()


# ------------------------------------------------------------------ 7. active only after READY=1
def test_active_only_after_ready(life):
    start_unit(life.c)
    props = life.props("Type", "MainPID", "ActiveState", "ActiveEnterTimestampMonotonic",
                       "ExecMainStartTimestampMonotonic", "WatchdogUSec")
    assert props["Type"] == "notify"
    assert props["ActiveState"] == "active"
    assert props["WatchdogUSec"] == "2s", f"the test drop-in is not in effect: {props}"
    exec_start = int(props["ExecMainStartTimestampMonotonic"])
    active = int(props["ActiveEnterTimestampMonotonic"])
    assert 0 < exec_start < active, props
    pid = props["MainPID"]
    started = life.c.wait_for(lambda: life.c.journal(f"MESSAGE_ID={STARTED}", f"_PID={pid}"), timeout=10,
                              what="the daemon's 'started' journal entry")
    ts = int(started[0]["__MONOTONIC_TIMESTAMP"])
    # Readiness gates activation: the daemon loads its config, makes its IDs and logs "started" before READY=1, so
    # the entry is in the journal no later than systemd calls the unit active (with Type=simple the unit would be
    # active at exec time, before any of that). journald stamps on receipt, so "started" logged after READY=1
    # races the manager and loses by a millisecond or so.
    assert exec_start < ts, (exec_start, ts)
    assert ts <= active, f"'started' logged {ts - active} µs after the unit became active (active={active})"


# ------------------------------------------------------------------ 12. journal fields and catalog
def test_journal_matches_and_catalog_subject(life):
    life.collector.wait_for(2, timeout=15)
    diag = life.c.wait_for(lambda: life.journal("TELEMETRY_TYPE=diagnostics"), timeout=10,
                           what="journal entries with TELEMETRY_TYPE=diagnostics")
    assert all(e["TELEMETRY_TYPE"] == "diagnostics" for e in diag)
    sent = life.c.wait_for(lambda: (lambda e: e if len(e) >= 2 else None)(life.c.journal(f"MESSAGE_ID={REPORT_SENT}")),
                           timeout=10, what="two reportSent entries by MESSAGE_ID")
    assert {e["TELEMETRY_TYPE"] for e in sent} == TYPES
    assert {e["TELEMETRY_RESULT"] for e in sent} == {"sent"}
    assert {e["TELEMETRY_MESSAGE_ID"] for e in sent} <= set(ok_ids(life.collector))
    # The documented command lines.
    out = life.c.run("journalctl", "--no-pager", "-u", "telemetryd", "TELEMETRY_TYPE=diagnostics", check=True).stdout
    assert any("telemetryd" in l for l in out.splitlines()), out

    # The catalog: installed in /usr/lib/systemd/catalog (where journalctl --update-catalog reads), then -x explains.
    assert life.c.run("test", "-f", "/usr/lib/systemd/catalog/telemetryd.catalog").returncode == 0
    life.c.run("journalctl", "--update-catalog", check=True)
    listed = life.c.run("journalctl", "--list-catalog", check=True).stdout
    assert re.search(rf"^{REPORT_SENT}\s.*telemetry report sent", listed, re.M), "catalog entry not in the database"
    x = life.c.run("journalctl", "--no-pager", "-x", "-u", "telemetryd", check=True).stdout
    assert re.search(r"Subject: telemetry report sent", x), x[-3000:]
    assert re.search(r"Subject: telemetryd started", x), x[-3000:]


# ------------------------------------------------------------------ 13. systemd-analyze verify
def test_systemd_analyze_verify_is_clean(life):
    # --man=no: the unit's man pages are not installed in this container (test_package checks them installed).
    p = life.c.run("systemd-analyze", "verify", "--man=no", "/etc/systemd/system/telemetryd.service", timeout=60)
    assert p.returncode == 0, f"systemd-analyze verify exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    own = [l for l in (p.stdout + p.stderr).splitlines() if "telemetryd" in l]
    assert own == [], "systemd-analyze verify complains about the unit:\n" + "\n".join(own)


# ------------------------------------------------------------------ 8. watchdog kept fed
def test_watchdog_kept_fed_for_three_intervals(life):
    before = life.props("MainPID", "NRestarts", "WatchdogUSec", "ActiveState")
    assert before["WatchdogUSec"] == "2s" and before["ActiveState"] == "active"
    time.sleep(6.5)   # three watchdog intervals; a daemon that stopped pinging would be killed at 2 s
    after = life.props("MainPID", "NRestarts", "ActiveState", "WatchdogTimestampMonotonic")
    assert after["MainPID"] == before["MainPID"], "the daemon was restarted while it worked normally"
    assert after["NRestarts"] == "0" and after["ActiveState"] == "active"
    assert not [e for e in life.journal() if "Watchdog timeout" in e.get("MESSAGE", "")]


# ------------------------------------------------------------------ 10. reload applies a new config
def test_reload_applies_a_new_endpoint_without_a_new_main_pid(life):
    pid = life.prop("MainPID")
    other = Collector().start()
    try:
        life.collector.wait_for(2, timeout=10)
        n_old = len(life.collector.requests)
        # New endpoint and a 1s keep-alive interval: the keep-alive is overdue at once after the reload, so it must
        # go to the new collector if (and only if) the reload applied the new config.
        life.write_config(other.url, KeepAliveIntervalSec="1s")
        life.systemctl("reload", "telemetryd", timeout=15)
        [r] = other.wait_for(1, timeout=10)[:1]
        assert r.json["type"] == "keepalive"
        assert life.prop("MainPID") == pid, "reload must not restart the daemon"
        assert life.prop("ActiveState") == "active"
        assert len(life.collector.requests) == n_old, "after the reload nothing goes to the old endpoint"
        reloaded = life.journal("MESSAGE_ID=e3c9d69a69b2421cada774c7698df674")
        assert reloaded, "no 'configuration reloaded' entry"
    finally:
        life.write_config(life.collector.url)
        life.systemctl("reload", "telemetryd", timeout=15)
        life.wait_prop("StatusText", lambda v: v.startswith("Enabled"))
        other.stop()
    n = len(life.collector.requests)
    time.sleep(1.5)
    assert len(life.collector.requests) == n, "back to the 1h interval: no more keep-alives"


# ------------------------------------------------------------------ 9. a stopped main loop is killed by the watchdog
def test_sigstop_is_killed_by_the_watchdog_and_restarted(life):
    old = life.props("MainPID", "NRestarts")
    assert old["NRestarts"] == "0"
    life.c.run("kill", "-STOP", old["MainPID"], check=True)
    life.c.wait_for(lambda: [e for e in life.journal() if "Watchdog timeout" in e.get("MESSAGE", "")], timeout=15,
                    what="systemd's 'Watchdog timeout' journal entry")
    life.c.wait_for(lambda: [e for e in life.journal() if "watchdog" in e.get("MESSAGE", "")
                             and "Failed with result" in e.get("MESSAGE", "")], timeout=15,
                    what="'Failed with result 'watchdog'' in the journal")
    life.wait_prop("NRestarts", lambda v: int(v) >= 1, timeout=20)
    life.wait_prop("ActiveState", lambda v: v == "active", timeout=20)
    new = life.prop("MainPID")
    assert new not in ("0", old["MainPID"]), (old, new)


# ------------------------------------------------------------------ 14. restart loop, then a collector outage
def test_restart_loop_sends_nothing_extra(life):
    life.wait_prop("ActiveState", lambda v: v == "active")
    life.c.wait_for(lambda: life.spool() == [], timeout=15, what="an empty spool before the restart loop")
    n = len(life.collector.requests)
    for _ in range(3):
        life.systemctl("restart", "telemetryd", timeout=30)
        assert life.prop("ActiveState") == "active"
    time.sleep(2.0)
    assert len(life.collector.requests) == n, [r.json.get("type") for r in life.collector.requests[n:]]


def test_collector_outage_loses_nothing(life):
    port = life.collector.port
    life.collector.stop()                          # connection refused from now on
    # New reports during the outage: forget the schedule and start again.
    life.systemctl("stop", "telemetryd", timeout=15)
    life.c.run("rm", "-f", f"{STATE}/state.json", check=True)
    life.systemctl("start", "telemetryd", timeout=30)
    life.c.wait_for(lambda: len(life.spool()) >= 2, timeout=15, what="2 spooled reports during the outage")
    life.c.wait_for(lambda: life.journal("TELEMETRY_RESULT=retrying"), timeout=10, what="a retrying event")
    queued = life.spool_ids()
    assert len(queued) == 2
    life.systemctl("restart", "telemetryd", timeout=30)   # the outage spans a restart too
    assert life.spool_ids() == queued
    back = Collector(port=port).start()
    life.collector = back
    back.wait_for(2, timeout=20, predicate=lambda r: r.reply.status == 200)
    life.c.wait_for(lambda: life.spool() == [], timeout=15, what="spool to drain once the collector is back")
    assert set(ok_ids(back)) == queued, "every report queued in the outage is delivered, none other"
    assert len(ok_ids(back)) == len(queued), f"duplicates: {ok_ids(back)}"


# ------------------------------------------------------------------ 11. stop
def test_stop_within_a_second_with_success(life):
    life.wait_prop("ActiveState", lambda v: v == "active")
    life.systemctl("stop", "telemetryd", timeout=15)
    p = life.props("ActiveState", "Result", "ExecMainStatus", "ExecMainCode", "ActiveExitTimestampMonotonic",
                   "InactiveEnterTimestampMonotonic")
    assert p["ActiveState"] == "inactive"
    assert p["Result"] == "success" and p["ExecMainStatus"] == "0", p
    took = (int(p["InactiveEnterTimestampMonotonic"]) - int(p["ActiveExitTimestampMonotonic"])) / 1e6
    assert 0 <= took <= 1.0, f"stop took {took:.3f}s by systemd's clock"
