"""The Daemon wrapper, proven against a stand-in telemetryd (a small script) so its failures are its own."""
import os
import signal
import stat
import sys
import textwrap

import pytest

from daemon import Daemon, clean_env, fields

FAKE = textwrap.dedent('''\
    #!PYTHON
    import os, signal, sys, time
    args = sys.argv[1:]
    assert args[0] == "run", args
    conf = args[args.index("--config") + 1]
    state = args[args.index("--state-dir") + 1]
    os.makedirs(state, exist_ok=True)
    def log(msg):
        sys.stderr.write(msg + "\\n"); sys.stderr.flush()
    mode = open(conf).read().strip()
    if mode == "bad":
        log(conf + ":1: bad value"); sys.exit(2)
    signal.signal(signal.SIGHUP, lambda *a: log("reloaded"))
    signal.signal(signal.SIGTERM, lambda *a: (log("stopping"), sys.exit(3 if mode == "exit3" else 0)))
    log("started; env DO_NOT_TRACK=" + os.environ.get("DO_NOT_TRACK", "-"))
    log("info telemetryd: MESSAGE_ID=abc TELEMETRY_MESSAGE_ID=m1 TELEMETRY_RESULT=sent TELEMETRY_TYPE=keepalive sent")
    while True:
        time.sleep(0.05)
    ''').replace("PYTHON", sys.executable)


@pytest.fixture
def fake(tmp_path):
    p = tmp_path / "fake-telemetryd"
    p.write_text(FAKE)
    p.chmod(p.stat().st_mode | stat.S_IXUSR)
    return str(p)


def test_lines_events_reload_and_clean_stop(fake, tmp_path):
    os.environ["DO_NOT_TRACK"] = "1"
    try:
        d = Daemon(fake, tmp_path / "w", config="ok")
    finally:
        del os.environ["DO_NOT_TRACK"]
    with d.start():
        assert "DO_NOT_TRACK=-" in d.wait_for(r"^started", timeout=10)
        ev = d.wait_for_event(result="sent", type="keepalive", timeout=10)
        assert ev["TELEMETRY_MESSAGE_ID"] == "m1" and ev["MESSAGE_ID"] == "abc"
        assert d.events(result="retrying") == []
        mark = d.reload()
        d.wait_for("^reloaded$", start=mark, timeout=10)
        assert d.stop(timeout=1.0) < 1.5
        assert d.lines[-1] == "stopping"


def test_stop_asserts_the_exit_status(fake, tmp_path):
    d = Daemon(fake, tmp_path / "w", config="exit3").start()
    d.wait_for("^started")
    with pytest.raises(AssertionError, match="exited 3, wanted 0"):
        d.stop()


def test_wait_for_fails_early_when_the_daemon_exits(fake, tmp_path):
    d = Daemon(fake, tmp_path / "w", config="bad").start()
    with pytest.raises(AssertionError, match=r"(?s)exited \(2\).*bad value"):
        d.wait_for("never printed", timeout=30)


def test_wait_for_times_out_showing_stderr(fake, tmp_path):
    with Daemon(fake, tmp_path / "w", config="ok") as d:
        with pytest.raises(AssertionError, match=r"(?s)within 0.3s.*started"):
            d.wait_for("never printed", timeout=0.3)


def test_fields_and_clean_env():
    assert fields("x TELEMETRY_RESULT=retrying TELEMETRY_HTTP_STATUS=503 y") == {
        "TELEMETRY_RESULT": "retrying", "TELEMETRY_HTTP_STATUS": "503"}
    os.environ["JOURNAL_STREAM"] = "1:2"
    try:
        env = clean_env({"TELEMETRYD_DEBUG": "1"})
    finally:
        del os.environ["JOURNAL_STREAM"]
    assert "JOURNAL_STREAM" not in env and env["TELEMETRYD_DEBUG"] == "1"
