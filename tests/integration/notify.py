"""A notification socket like systemd's: `NOTIFY_SOCKET` for a daemon run outside systemd, recording every message.

    with NotifySocket(tmp_path / "notify.sock") as n:
        d = make_daemon(config, env={"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "2000000"}).start()
        n.wait_for("READY=1")
        n.since(mark, "STATUS")       # STATUS= texts received after `mark` (a monotonic time)

Without `WATCHDOG_PID` the daemon takes `WATCHDOG_USEC` as its own (sd_watchdog_enabled(3)), so no fork trick is
needed to give it a watchdog.
"""
from __future__ import annotations

import pathlib
import socket
import threading
import time


class NotifySocket:
    def __init__(self, path: pathlib.Path | str):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self._messages: list[tuple[float, str]] = []   # (monotonic time received, payload)
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="notify-socket")
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self._cond:
                self._messages.append((time.monotonic(), data.decode("utf-8", "replace")))
                self._cond.notify_all()

    @property
    def messages(self) -> list[tuple[float, str]]:
        with self._cond:
            return list(self._messages)

    def since(self, mark: float, key: str) -> list[str]:
        """Values of `key=` in the messages received at or after `mark`, in order."""
        out = []
        for t, text in self.messages:
            if t >= mark:
                out += [line[len(key) + 1:] for line in text.split("\n") if line.startswith(key + "=")]
        return out

    def last(self, key: str) -> str | None:
        values = self.since(0, key)
        return values[-1] if values else None

    def wait_for(self, line: str, count: int = 1, since: float = 0, timeout: float = 10.0) -> None:
        """Wait until `count` messages received at or after `since` contain the line `line` (e.g. "WATCHDOG=1")."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while sum(1 for t, text in self._messages if t >= since and line in text.split("\n")) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count} notification(s) with {line!r} within {timeout}s; got: "
                                         + repr([m for _, m in self._messages]))
                self._cond.wait(left)

    def close(self) -> None:
        self.sock.close()
        pathlib.Path(self.path).unlink(missing_ok=True)

    def __enter__(self) -> "NotifySocket":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
