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


def resident_kib(pid: int, path: str, perms: str) -> tuple[int, int]:
    """(resident KiB, size KiB) of the mappings of `path` with permissions `perms` in /proc/PID/smaps."""
    resident = size = 0
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
    return resident, size


def libc_path(pid: int) -> str:
    with open(f"/proc/{pid}/maps") as f:
        return next(l.split()[-1] for l in f if re.search(r"/libc\.so\.6$", l.strip()))


def test_each_idle_wake_gives_its_pages_back(make_daemon, collector, tmp_path, binary):
    with NotifySocket(tmp_path / "notify.sock") as n:
        d = idle_daemon(make_daemon, collector, n)
        pid = d.proc.pid
        mark = time.monotonic()
        n.wait_for("WATCHDOG=1", count=3, since=mark, timeout=15)
        time.sleep(0.3)  # the page-out follows the ping within the same wake
        own, own_size = resident_kib(pid, os.path.realpath(binary), "r-xp")
        libc, libc_size = resident_kib(pid, libc_path(pid), "r-xp")
        # Only the way back to sleep is mapped between wakes (about a megabyte of the release build's 24 MiB).
        assert own_size > 0 and own < own_size / 8, f"{own} KiB of the binary's {own_size} KiB text resident"
        assert libc_size > 0 and libc < libc_size / 2, f"{libc} KiB of libc's {libc_size} KiB text resident"
        d.stop()
