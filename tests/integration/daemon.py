"""`telemetryd run` in the foreground: temp config, temp state dir, clean environment, stderr captured line by line.

    d = Daemon(BIN, tmp_path, config="[Telemetry]\\nEndpoint=...\\n").start()
    d.wait_for(r"TELEMETRY_RESULT=sent")
    d.reload()                        # SIGHUP
    d.stop()                          # SIGTERM, asserts exit status 0 within the time limit
"""
from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import threading
import time

# Variables that would change what the daemon does, removed from the inherited environment.
SCRUBBED = ("DO_NOT_TRACK", "TELEMETRYD_DISABLE", "TELEMETRYD_DEBUG", "TELEMETRYD_CONFIG", "STATE_DIRECTORY",
            "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy",
            "NO_PROXY", "JOURNAL_STREAM", "NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC", "INVOCATION_ID",
            "LISTEN_FDS", "LISTEN_PID")

_FIELD = re.compile(r"\b(TELEMETRY_[A-Z_]+|MESSAGE_ID)=(\S+)")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(extra or {})
    return env


def fields(line: str) -> dict[str, str]:
    """KEY=value fields (TELEMETRY_*, MESSAGE_ID) carried in a plain log line."""
    return dict(_FIELD.findall(line))


class Daemon:
    def __init__(self, binary: str, workdir: pathlib.Path | str, config: str | None = None,
                 env: dict[str, str] | None = None, args: tuple[str, ...] = ()):
        self.binary = binary
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.dir / "telemetry.conf"
        self.state_dir = self.dir / "state"
        if config is not None:
            self.write_config(config)
        self.env = clean_env(env)
        self.args = tuple(args)
        self.proc: subprocess.Popen | None = None
        self._lines: list[str] = []
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._eof = False

    # ------------------------------------------------------------ files
    def write_config(self, text: str) -> None:
        self.config_path.write_text(text)

    def write_dropin(self, name: str, text: str) -> pathlib.Path:
        d = self.dir / "telemetry.conf.d"
        d.mkdir(exist_ok=True)
        p = d / name
        p.write_text(text)
        return p

    @property
    def spool(self) -> list[pathlib.Path]:
        d = self.state_dir / "spool"
        return sorted(d.glob("*.json")) if d.is_dir() else []

    def cli(self, *args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        """Another telemetryd command against the same config and state dir."""
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([self.binary, *args, "--config", str(self.config_path), "--state-dir",
                               str(self.state_dir)], capture_output=True, text=True, env=e, timeout=timeout)

    # ------------------------------------------------------------ process
    def start(self) -> "Daemon":
        assert self.proc is None or self.proc.poll() is not None, "daemon already running"
        with self._cond:
            self._lines = []
            self._eof = False
        cmd = [self.binary, "run", "--config", str(self.config_path), "--state-dir", str(self.state_dir), *self.args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=self.env)
        self._reader = threading.Thread(target=self._read, args=(self.proc,), daemon=True, name="daemon-stderr")
        self._reader.start()
        return self

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._cond:
                self._lines.append(line)
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def lines(self) -> list[str]:
        with self._cond:
            return list(self._lines)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def events(self, **match: str) -> list[dict[str, str]]:
        """Report events so far: the fields of each line with TELEMETRY_RESULT, filtered by e.g.
        result="sent", type="keepalive" (matched against TELEMETRY_RESULT / TELEMETRY_TYPE ...)."""
        out = []
        for line in self.lines:
            f = fields(line)
            if "TELEMETRY_RESULT" not in f:
                continue
            if all(f.get("TELEMETRY_" + k.upper()) == v for k, v in match.items()):
                f["line"] = line
                out.append(f)
        return out

    def wait_for(self, pattern, timeout: float = 10.0, start: int = 0, count: int = 1) -> str:
        """Wait for `count` lines (from index `start`) matching a regex or predicate; returns the last of them.
        Fails early if the daemon exits, and always shows what it said."""
        test = (lambda s: re.search(pattern, s) is not None) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hits = [l for l in self._lines[start:] if test(l)]
                if len(hits) >= count:
                    return hits[count - 1]
                if self._eof:
                    rc = self.proc.wait(timeout=5) if self.proc else None
                    raise AssertionError(f"telemetryd exited ({rc}) before {count} line(s) matching {pattern!r}:\n"
                                         + "\n".join(self._lines))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count} line(s) matching {pattern!r} within {timeout}s; stderr so far:\n"
                                         + "\n".join(self._lines))
                self._cond.wait(min(left, 0.5))

    def wait_for_event(self, timeout: float = 10.0, count: int = 1, **match: str) -> dict[str, str]:
        def test(line: str) -> bool:
            f = fields(line)
            return "TELEMETRY_RESULT" in f and all(f.get("TELEMETRY_" + k.upper()) == v for k, v in match.items())
        line = self.wait_for(test, timeout=timeout, count=count)
        f = fields(line)
        f["line"] = line
        return f

    def signal(self, sig: int) -> None:
        assert self.proc is not None and self.proc.poll() is None, f"daemon not running:\n{self.output}"
        self.proc.send_signal(sig)

    def reload(self) -> int:
        """SIGHUP; returns the line index to wait from for what the reload logs."""
        mark = len(self.lines)
        self.signal(signal.SIGHUP)
        return mark

    def stop(self, timeout: float = 1.0, expect: int | None = 0) -> float:
        """SIGTERM and wait; asserts the exit status (unless expect is None) and that it came within timeout
        (plus a small allowance for process teardown). Returns the seconds it took."""
        assert self.proc is not None
        t0 = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout + 4.0)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            raise AssertionError(f"telemetryd did not exit within {timeout + 4.0}s of SIGTERM:\n{self.output}")
        took = time.monotonic() - t0
        if self._reader:
            self._reader.join(timeout=5)
        if expect is not None:
            assert rc == expect, f"telemetryd exited {rc}, wanted {expect}:\n{self.output}"
        assert took <= timeout + 0.5, f"telemetryd took {took:.2f}s to exit after SIGTERM (limit {timeout}s)"
        return took

    def wait_exit(self, timeout: float = 10.0) -> int:
        assert self.proc is not None
        rc = self.proc.wait(timeout=timeout)
        if self._reader:
            self._reader.join(timeout=5)
        return rc

    def kill(self) -> None:
        """Teardown: kill whatever still runs, no assertions."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "Daemon":
        return self if self.running else self.start()

    def __exit__(self, *exc) -> None:
        self.kill()
