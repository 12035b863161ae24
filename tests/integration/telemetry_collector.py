"""`telemetry-collector serve` in the foreground on 127.0.0.1:ephemeral, with its own config and database.

    with CollectorProcess(COLLECTOR_BIN, tmp_path, tokens=["t1"]) as c:
        c.post(body, headers={...})          # -> (status, headers, body bytes)
        c.get("/api/v1/summary?days=3")
        c.cli("summary", "--json")           # another command against the same config and database
"""
from __future__ import annotations

import http.client
import json
import os
import pathlib
import re
import signal
import subprocess
import threading
import time

from daemon import clean_env

_LISTENING = re.compile(r"listening on (\S+?);")


class CollectorProcess:
    def __init__(self, binary: str, workdir: pathlib.Path | str, tokens: list[str] | None = None,
                 settings: dict[str, str] | None = None, env: dict[str, str] | None = None, nofile: int | None = None):
        self.binary = binary
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.dir / "collector.conf"
        self.db_path = self.dir / "reports.db"
        self.token_path = self.dir / "tokens"
        conf = {"Listen": "127.0.0.1:0", "Database": f"sqlite://{self.db_path}"}
        if tokens is not None:
            self.write_tokens(tokens)
            conf["TokenFile"] = str(self.token_path)
        conf.update(settings or {})
        self.write_config(conf)
        self.env = clean_env({"TELEMETRY_COLLECTOR_CONFIG": "", **(env or {})})
        self.nofile = nofile
        self.proc: subprocess.Popen | None = None
        self.address: str | None = None
        self._lines: list[str] = []
        self._cond = threading.Condition()

    def write_config(self, conf: dict[str, str]) -> None:
        self.config_path.write_text("[Collector]\n" + "".join(f"{k}={v}\n" for k, v in conf.items()))

    def write_tokens(self, tokens: list[str]) -> None:
        self.token_path.write_text("# test tokens\n" + "".join(t + "\n" for t in tokens))

    # ------------------------------------------------------------ process
    def start(self, timeout: float = 30.0) -> "CollectorProcess":
        nofile = self.nofile

        def limit_files():
            # `ulimit -n` as systemd gives a service: the soft limit (the hard one too, so it cannot be raised).
            if nofile:
                import resource
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        self.proc = subprocess.Popen([self.binary, "serve", "--config", str(self.config_path)], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=limit_files)
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for(_LISTENING, timeout=timeout)
        self.address = _LISTENING.search(line).group(1)
        return self

    def _read(self) -> None:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "\n".join(self._lines)

    def wait_for(self, pattern, timeout: float = 10.0, start: int = 0) -> str:
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._lines[start:]:
                    if rx.search(line):
                        return line
                if self.proc and self.proc.poll() is not None:
                    raise AssertionError(f"collector exited {self.proc.returncode} before {rx.pattern!r}:\n{self.output}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {rx.pattern!r} in collector output:\n{self.output}")
                self._cond.wait(left)

    def line_count(self) -> int:
        with self._cond:
            return len(self._lines)

    def reload(self) -> None:
        assert self.proc
        self.proc.send_signal(signal.SIGHUP)

    def stop(self, timeout: float = 5.0) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"collector did not stop within {timeout}s after SIGTERM")

    def __enter__(self) -> "CollectorProcess":
        # `with c.start():` as well as `with c:`: a second start would leave the first process running.
        if self.proc is not None and self.proc.poll() is None:
            return self
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    # ------------------------------------------------------------ HTTP
    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def endpoint(self) -> str:
        return f"{self.url}/v1/reports"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
                ) -> tuple[int, dict[str, str], bytes]:
        host, port = self.address.rsplit(":", 1)
        conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def post(self, body: bytes | str, headers: dict[str, str] | None = None, content_type: str | None = "application/json"
             ) -> tuple[int, dict[str, str], bytes]:
        if isinstance(body, str):
            body = body.encode()
        h = {"Content-Type": content_type} if content_type else {}
        h.update(headers or {})
        return self.request("POST", "/v1/reports", body, h)

    def post_streaming(self, size: int, headers: dict[str, str] | None = None, byte: bytes = b" ",
                       timeout: float = 10.0) -> tuple[int, dict[str, str], bytes, int]:
        """POSTs a `size`-byte body the way a careful client does: the head, then the body in pieces while watching
        for an early answer (as curl does). Returns (status, headers, body, bytes of the body sent) once the server
        closes the connection; status 0 when it closed without an answer."""
        import select
        import socket
        host, port = self.address.rsplit(":", 1)
        s = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
        head = {"Content-Type": "application/json", "Content-Length": str(size), **(headers or {})}
        s.sendall(("POST /v1/reports HTTP/1.1\r\nHost: collector\r\n" +
                   "".join(f"{k}: {v}\r\n" for k, v in head.items()) + "\r\n").encode())
        sent, received = 0, b""
        deadline = time.monotonic() + timeout
        chunk = byte * 65536
        try:
            while time.monotonic() < deadline:
                readable, writable, _ = select.select([s], [s] if sent < size else [], [], 0.5)
                if readable:
                    data = s.recv(65536)
                    if not data:
                        break
                    received += data
                elif writable:
                    try:
                        sent += s.send(chunk[: min(len(chunk), size - sent)])
                    except (BrokenPipeError, ConnectionResetError):
                        sent = size  # the server stopped reading: only listen from now on
        except ConnectionResetError:
            pass
        finally:
            s.close()
        head_text, _, body = received.partition(b"\r\n\r\n")
        lines = head_text.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
        headers_out = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:]) if k}
        return status, headers_out, body, sent

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path)

    def get_json(self, path: str):
        status, _, body = self.get(path)
        assert status == 200, (status, body)
        return json.loads(body)

    # ------------------------------------------------------------ CLI
    def cli(self, *args: str, input: bytes | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([self.binary, *args, "--config", str(self.config_path)], capture_output=True,
                              env=self.env, timeout=timeout, input=input)
