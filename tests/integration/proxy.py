"""tinyproxy on a loopback port, configured in a temp dir, with its log to prove a CONNECT went through it."""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import socket
import subprocess
import time


def missing_preconditions() -> str | None:
    if shutil.which("tinyproxy") is None:
        return "tinyproxy is not installed (scripts/install-deps installs it)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Tinyproxy:
    """`basic_auth=(user, password)`: every request must carry them (tinyproxy's BasicAuth; else HTTP 407)."""

    def __init__(self, directory: pathlib.Path | str, basic_auth: tuple[str, str] | None = None):
        self.basic_auth = basic_auth
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "tinyproxy.log"
        self.conf = self.dir / "tinyproxy.conf"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_with(self, user: str, password: str) -> str:
        """The proxy URL with credentials, percent-encoded as a URL needs them."""
        from urllib.parse import quote
        return f"http://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}"

    def _write_conf(self) -> None:
        # No ConnectPort line: CONNECT to any port (the collector's is ephemeral).
        lines = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 30", f'LogFile "{self.log}"', "LogLevel Connect",
                 "MaxClients 20", "Allow 127.0.0.1", "DisableViaHeader Yes"]
        if self.basic_auth is not None:
            lines.append(f"BasicAuth {self.basic_auth[0]} {self.basic_auth[1]}")
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 10.0) -> "Tinyproxy":
        for _attempt in range(3):
            self.port = _free_port()
            self._write_conf()
            self.log.touch()
            os.chmod(self.dir, 0o755)
            os.chmod(self.log, 0o666)
            self.proc = subprocess.Popen(["tinyproxy", "-d", "-c", str(self.conf)], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr.log", "wb"))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError(f"tinyproxy did not listen on 127.0.0.1:{self.port}: "
                           f"{(self.dir / 'stderr.log').read_text(errors='replace')[-2000:]} "
                           f"{self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def __enter__(self) -> "Tinyproxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def connects(self) -> list[str]:
        """Targets ("host:port") of every CONNECT request in the log so far."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return re.findall(r"CONNECT\s+(\S+:\d+)\s+HTTP/", text)

    def wait_for_connect(self, target: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if target in self.connects():
                return
            time.sleep(0.1)
        raise AssertionError(f"tinyproxy: no CONNECT {target} within {timeout}s; log:\n"
                             f"{self.log.read_text(errors='replace')[-3000:]}")
