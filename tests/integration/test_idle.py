"""The idle daemon, on the built binary with a real notification socket and a watchdog: each wake is the watchdog ping
alone. `STATUS=` tells absolute times ("Enabled; next keep-alive 12:04 UTC; 0 queued") and is sent only when the
state changes, never on a timer; after each idle wake the daemon drops the pages it mapped back in, its binary's and
its libraries'.

The watchdog is two seconds here (a ping every second), so a few seconds hold several wakes. A loop that refreshed a
countdown ("next keep-alive in 59m58s") on its wakes sends a STATUS= at nearly every ping and fails the first test.
"""
from __future__ import annotations

import datetime
import os
import re
import time

from conftest import config_text
from notify import NotifySocket

WATCHDOG_USEC = "2000000"


def idle_daemon(make_daemon, collector, n, **telemetry):
    d = make_daemon(config_text(collector.url, telemetry=telemetry or None),
                    env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": WATCHDOG_USEC}).start()
    d.wait_for_event(result="sent", type="keepalive")
    d.wait_for_event(result="sent", type="diagnostics")
    # Both delivered: the spool is empty again, and STATUS= says so (the deliveries' last change).
    deadline = time.monotonic() + 10
    while not (n.last("STATUS") or "").endswith("; 0 queued") and time.monotonic() < deadline:
        time.sleep(0.05)
    return d


def test_status_tells_absolute_times_and_only_changes_with_the_state(make_daemon, collector, tmp_path):
    with NotifySocket(tmp_path / "notify.sock") as n:
        started = datetime.datetime.now(datetime.timezone.utc)
        d = idle_daemon(make_daemon, collector, n)
        status = n.last("STATUS")
        # The date too when the keep-alive is due another UTC day (an hour before midnight).
        m = re.fullmatch(r"Enabled; next keep-alive (?:(\d{4}-\d\d-\d\d) )?(\d\d):(\d\d) UTC; 0 queued", status or "")
        assert m, f"STATUS={status!r}"
        # The keep-alive interval is an hour: the next one is due an hour after the first went, told to the minute.
        due = started + datetime.timedelta(hours=1)
        day = datetime.date.fromisoformat(m.group(1)) if m.group(1) else started.date()
        told = datetime.datetime(day.year, day.month, day.day, int(m.group(2)), int(m.group(3)), tzinfo=datetime.timezone.utc)
        assert abs((told - due).total_seconds()) <= 120, (status, due.isoformat())

        mark = time.monotonic()
        n.wait_for("WATCHDOG=1", count=5, since=mark, timeout=15)
        assert n.since(mark, "STATUS") == [], "STATUS= sent while nothing changed: it must not be refreshed on a timer"
        assert n.last("STATUS") == status

        # A change of state is told at once: a reload into a dry run.
        d.write_config(config_text(collector.url, telemetry={"DryRun": "yes"}))
        mark = time.monotonic()
        d.reload()
        n.wait_for("READY=1", since=mark)
        deadline = time.monotonic() + 10
        while not n.since(mark, "STATUS") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert n.since(mark, "STATUS") == [status.replace("Enabled;", "Enabled (dry run: nothing is sent);")]
        d.stop()


def resident_kib(pid: int, path: str, perms: str) -> tuple[int, int, int]:
    """(resident KiB, size KiB, locked KiB) of the mappings of `path` with permissions `perms` in /proc/PID/smaps
    (a mapping the daemon locked part of is split in several)."""
    resident = size = locked = 0
    current = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 5 and "-" in fields[0] and ":" in fields[3]:
                current = fields[1] == perms and len(fields) > 5 and os.path.basename(fields[5]) == os.path.basename(path)
            elif current and fields[0] == "Rss:":
                resident += int(fields[1])
            elif current and fields[0] == "Size:":
                size += int(fields[1])
            elif current and fields[0] == "Locked:":
                locked += int(fields[1])
    return resident, size, locked


def libc_path(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as f:
        return next(l.split()[-1] for l in f if re.search(r"/libc\.so\.6$", l.strip()))


def test_each_idle_wake_gives_its_pages_back(make_daemon, collector, tmp_path, binary):
    with NotifySocket(tmp_path / "notify.sock") as n:
        d = idle_daemon(make_daemon, collector, n)
        pid = d.proc.pid
        mark = time.monotonic()
        # The page-out after work comes 2 s after the deliveries, the learning at the second idle wake after it.
        n.wait_for("WATCHDOG=1", count=5, since=mark, timeout=15)
        time.sleep(0.3)  # the page-out follows the ping within the same wake
        own, own_size, own_locked = resident_kib(pid, os.path.realpath(binary), "r-xp")
        libc, libc_size, libc_locked = resident_kib(pid, libc_path(pid), "r-xp")
        # The binary's pages the idle wake needs stay locked (learnt at the second idle wake after the page-out that
        # followed READY=1; at most 6 MiB, about 2 of the release build's text and read-only data, 4.2 of the debug
        # build's); only they and the way back to sleep are mapped between wakes.
        assert 0 < own_locked <= 6144, f"{own_locked} KiB of the binary's text locked"
        assert own_size > 0 and own - own_locked < own_size / 8, \
            f"{own} KiB of the binary's {own_size} KiB text resident, {own_locked} KiB of it locked"
        # The libraries' pages are dropped after every wake, none locked.
        assert libc_size > 0 and libc < libc_size / 2 and libc_locked == 0, \
            f"{libc} KiB of libc's {libc_size} KiB text resident, {libc_locked} KiB locked"
        # Still the same pages locked after more wakes: their page-outs advise around them.
        n.wait_for("WATCHDOG=1", count=7, since=mark, timeout=15)
        time.sleep(0.3)
        assert resident_kib(pid, os.path.realpath(binary), "r-xp")[2] == own_locked
        d.stop()
