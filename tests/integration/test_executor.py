"""Which executor runs the daemon's Swift tasks, checked on the built binary.

Swift Concurrency runs on telemetryd's own SwiftNIO event loop through the runtime's private enqueue hook
(Sources/telemetryd/EventLoopExecutor.swift), AsyncHTTPClient's I/O on a second loop. Should that ever stop (a
toolchain change of the hook, a dependency that installs its own), the tasks fall back to libdispatch, whose
worker-pool monitor then wakes the idle daemon once a second for good: correct but not quiet. These tests fail then:
the daemon states which executor runs its tasks, its threads are the three expected ones, and an idle daemon's
threads do not wake at all over a few seconds (libdispatch's monitor would wake at least twice).

Checked against that fallback: with a debug build and an LD_PRELOAD library whose constructor takes the hook first
(passing every job on to the runtime's default executor), the three tests below the statement fail: the daemon warns
"runs on: libdispatch", 7 threads (libdispatch's manager and workers), 4 wakes of its manager thread in 4 s.
"""
from __future__ import annotations

import os
import re
import time

from conftest import config_text, wait_until


def threads(pid: int) -> dict[int, tuple[str, int]]:
    """tid -> (thread name, voluntary context switches so far)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            status = open(f"/proc/{pid}/task/{tid}/status").read()
        except OSError:
            continue  # exited meanwhile
        name = re.search(r"^Name:\s*(.*)$", status, re.M).group(1)
        vcs = int(re.search(r"^voluntary_ctxt_switches:\s*(\d+)$", status, re.M).group(1))
        out[int(tid)] = (name, vcs)
    return out


def delivered_daemon(make_daemon, url, certs=None, debug=False):
    transport = {"CAFile": str(certs.ca_pem)} if certs else {}
    env = {"TELEMETRYD_DEBUG": "1"} if debug else {}
    d = make_daemon(config_text(url, transport=transport), env=env).start()
    d.wait_for_event(result="sent", type="keepalive")
    d.wait_for_event(result="sent", type="diagnostics")
    return d


def test_states_that_its_tasks_run_on_its_event_loop(make_daemon, collector):
    d = delivered_daemon(make_daemon, collector.url, debug=True)
    line = d.wait_for(r"Swift Concurrency runs on: ")
    assert "SwiftNIO event loop (tasks), HTTP I/O on a separate event loop" in line, line
    assert "libdispatch" not in d.output
    d.stop()


def test_threads_are_main_tasks_loop_and_io_loop(make_daemon, collector):
    # Plain HTTP: over HTTPS AsyncHTTPClient builds its TLS context on a libdispatch queue of its own, which leaves
    # libdispatch's manager thread (`-qos.overcommit`) behind, asleep; the idle test below covers that path.
    d = delivered_daemon(make_daemon, collector.url)
    pid = d.proc.pid
    comm = open(f"/proc/{pid}/comm").read().strip()
    main = threads(pid)[pid][0]
    others = sorted(name for tid, (name, _) in threads(pid).items() if tid != pid)
    assert main == comm, (main, others)                   # the main thread, in sigwait(2)
    assert len(others) == 2, others
    assert others[0].startswith("NIO-ELT-"), others       # the tasks loop
    assert others[1].startswith("NIO-SGLTN-"), others     # AsyncHTTPClient's I/O loop (one, not one per core)
    d.stop()


def test_idle_daemon_threads_do_not_wake(make_daemon, https_collector, certs):
    d = delivered_daemon(make_daemon, https_collector.url, certs=certs)
    # Let the burst settle (the page-out runs two seconds after the last delivery), then count for four seconds:
    # nothing is due for an hour and there is no watchdog (STATUS= has no refresh: it holds absolute times).
    time.sleep(3)
    before = threads(d.proc.pid)
    time.sleep(4)
    after = threads(d.proc.pid)
    woke = {after[t][0] + f" ({t})": after[t][1] - before.get(t, (None, 0))[1] for t in after}
    born = sorted(set(after) - set(before))
    assert not born, f"threads started while idle: {born}"
    assert sum(woke.values()) <= 1, f"voluntary context switches per thread while idle: {woke}"
    d.stop()


# ---------------------------------------------------------------- under the unit's system call filter

def own_text(smaps: str, path: str) -> tuple[int, int]:
    """(resident KiB, size KiB) of the executable mappings of `path` in a /proc/PID/smaps text."""
    resident = size = 0
    current = None
    for line in smaps.splitlines():
        f = line.split()
        if len(f) >= 5 and "-" in f[0] and ":" in f[3]:
            current = f[1] if len(f) > 5 and f[5] == path else None
        elif current and "x" in current and f[0] == "Rss:":
            resident += int(f[1])
        elif current and "x" in current and f[0] == "Size:":
            size += int(f[1])
    return resident, size

def unit_dirs(tmp_path, url, dropin):
    """The container's /etc/telemetryd (a config sending to `url`) and a drop-in directory holding `dropin`."""
    confdir = tmp_path / "etc"
    confdir.mkdir()
    confdir.chmod(0o755)
    (confdir / "telemetry.conf").write_text(config_text(url))
    (confdir / "telemetry.conf").chmod(0o644)
    dropins = tmp_path / "unit.d"
    dropins.mkdir()
    dropins.chmod(0o755)
    (dropins / "debug.conf").write_text(dropin)
    (dropins / "debug.conf").chmod(0o644)
    return confdir, dropins


def test_page_out_passes_the_units_system_call_filter(tmp_path):
    """Under the real unit (DynamicUser=, `SystemCallFilter=@system-service ~@privileged`, errno EPERM otherwise) the
    daemon drops its binary's pages after READY=1 and its first reports: madvise passes the filter (else it would log
    the EPERM), the text it keeps mapped shrinks, and it keeps running. (With MADV_PAGEOUT the kernel silently did
    nothing for the unit's dynamic user, which does not own the binary: this test caught that.)"""
    import nspawn
    from collector import Collector
    from conftest import BIN, UNIT

    reason = nspawn.missing_preconditions()
    if reason:
        import pytest
        pytest.skip(reason)
    with Collector() as col:
        confdir, dropins = unit_dirs(tmp_path, col.url, "[Service]\nEnvironment=TELEMETRYD_DEBUG=1\n")
        with nspawn.Container(unit=str(UNIT), binary=str(BIN), confdir=str(confdir),
                              extra_args=[f"--bind-ro={dropins}:/etc/systemd/system/telemetryd.service.d"]) as c:
            c.wait_until_running()
            c.run("systemctl", "start", "telemetryd", check=True)
            col.wait_for(2, timeout=30)
            filt = c.show("telemetryd.service", "SystemCallFilter")["SystemCallFilter"]
            assert "madvise" in filt.split(), "the unit's filter no longer lists madvise"

            def paged():
                msgs = [e.get("MESSAGE", "") for e in c.journal("-u", "telemetryd.service")]
                return [m for m in msgs if "madvise" in m or m.startswith("Paged out")]
            found = c.wait_for(paged, timeout=20, what="a page-out message in the journal")
            assert all(m.startswith("Paged out the binary's clean pages") for m in found), found
            pid = c.show("telemetryd.service", "MainPID")["MainPID"]
            resident, size = own_text(c.run("cat", f"/proc/{pid}/smaps", check=True).stdout, "/usr/bin/telemetryd")
            # Idle after the page-out, the daemon has touched only a small part of its text again.
            assert size > 0 and resident < size / 4, f"{resident} KiB of {size} KiB text resident after the page-out"
            props = c.show("telemetryd.service", "ActiveState", "NRestarts")
            assert props == {"ActiveState": "active", "NRestarts": "0"}, props


def test_idle_wake_locks_its_pages_under_the_unit(tmp_path):
    """Under the real unit the idle wake after the page-out after work locks the pages of the binary it mapped:
    mlock passes the unit's system call filter (@system-service holds @memlock) and the RLIMIT_MEMLOCK systemd 252
    gives a service (the kernel's 8 MiB; the unit sets no LimitMEMLOCK=), so it needs neither. A watchdog ping every
    two seconds (WatchdogSec=4s in a drop-in) makes the idle wakes come within the test. The container gets
    CAP_IPC_LOCK: systemd-nspawn's own seccomp filter refuses @memlock (EPERM) to every process in a container
    without it, whatever the unit says; the daemon itself still has no capability (CapabilityBoundingSet= is empty),
    so the limit applies. Without it the daemon logged "mlock ... failed (errno 1)" and went on paging everything out,
    as it should (the fallback)."""
    import nspawn
    from collector import Collector
    from conftest import BIN, UNIT

    reason = nspawn.missing_preconditions()
    if reason:
        import pytest
        pytest.skip(reason)
    with Collector() as col:
        confdir, dropins = unit_dirs(tmp_path, col.url,
                                     "[Service]\nEnvironment=TELEMETRYD_DEBUG=1\nWatchdogSec=4s\n")
        with nspawn.Container(unit=str(UNIT), binary=str(BIN), confdir=str(confdir),
                              extra_args=[f"--bind-ro={dropins}:/etc/systemd/system/telemetryd.service.d",
                                          "--capability=CAP_IPC_LOCK"]) as c:
            c.wait_until_running()
            c.run("systemctl", "start", "telemetryd", check=True)
            col.wait_for(2, timeout=30)

            def locking():
                msgs = [e.get("MESSAGE", "") for e in c.journal("-u", "telemetryd.service")]
                return [m for m in msgs if "idle wake" in m and ("ock" in m or "pagemap" in m)]
            found = c.wait_for(locking, timeout=30, what="the idle wake's locking in the journal")
            assert found[0].startswith("Locked the idle wake's pages of the binary"), found
            pid = c.show("telemetryd.service", "MainPID")["MainPID"]
            status = c.run("cat", f"/proc/{pid}/status", check=True).stdout
            locked_kib = int(re.search(r"^VmLck:\s*(\d+) kB", status, re.M).group(1))
            limits = c.run("cat", f"/proc/{pid}/limits", check=True).stdout
            limit = re.search(r"^Max locked memory\s+(\S+)", limits, re.M).group(1)
            assert locked_kib > 0 and (limit == "unlimited" or locked_kib * 1024 <= int(limit)), (locked_kib, limit)
            # Still locked after more idle wakes (their page-outs advise around the locked pages without EINVAL).
            time.sleep(5)
            status = c.run("cat", f"/proc/{pid}/status", check=True).stdout
            assert int(re.search(r"^VmLck:\s*(\d+) kB", status, re.M).group(1)) == locked_kib
            msgs = [e.get("MESSAGE", "") for e in c.journal("-u", "telemetryd.service")]
            assert not [m for m in msgs if "madvise" in m], msgs
            props = c.show("telemetryd.service", "ActiveState", "NRestarts")
            assert props == {"ActiveState": "active", "NRestarts": "0"}, props
