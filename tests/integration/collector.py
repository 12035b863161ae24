"""A real HTTP(S) collector on 127.0.0.1 (ephemeral port) running in a thread, with scriptable responses.

    with Collector(tls=certs.server_context()) as c:
        c.script(503, Reply(429, retry_after=1), 200)   # then the default (200) for every later request
        ... point the daemon at c.url ...
        reqs = c.wait_for(2, timeout=10)
        reqs[0].json["messageId"]

Every request is recorded (method, path, headers, raw and decoded body: gunzipped when Content-Encoding: gzip)
before the scripted reply is sent, also those answered with an error.
"""
from __future__ import annotations

import gzip
import http.server
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    status: int = 200
    retry_after: str | int | None = None
    delay: float = 0.0          # seconds to wait before answering (interrupted when the collector stops)
    body: bytes = b'{"ok":true}'
    headers: tuple[tuple[str, str], ...] = ()
    close: bool = False         # drop the connection without any answer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]     # lower-case names
    raw_body: bytes
    body: bytes                 # after gunzip when Content-Encoding: gzip
    reply: Reply
    received_at: float = field(default_factory=time.monotonic)
    decode_error: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def gzipped(self) -> bool:
        return (self.header("content-encoding") or "").lower() == "gzip"


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    collector: "Collector"

    def process_request(self, request, client_address):
        # Called once per connection accepted on the listening socket, before any byte is read or TLS spoken.
        self.collector._record_connection(client_address)
        super().process_request(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self):
        ctx = self.server.collector.tls
        if ctx is not None:
            self.request.settimeout(10)
            try:
                self.request = ctx.wrap_socket(self.request, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.server.collector._record_tls_error(e)
                raise
        super().setup()

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def _read_body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline().strip().split(b";")[0]
                size = int(size_line or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self):
        collector = self.server.collector
        raw = self._read_body()
        body, err = raw, None
        if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
            try:
                body = gzip.decompress(raw)
            except (OSError, EOFError) as e:
                err = f"gzip: {e}"
        reply = collector._next_reply(self.headers.get("Authorization"))
        req = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, raw, body, reply,
                      decode_error=err)
        collector._record(req)
        if reply.delay:
            collector._stopping.wait(reply.delay)
        if reply.close:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        if reply.retry_after is not None:
            self.send_header("Retry-After", str(reply.retry_after))
        for k, v in reply.headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(reply.body)

    do_POST = do_PUT = do_GET = _handle


class Collector:
    def __init__(self, tls: ssl.SSLContext | None = None, host: str = "127.0.0.1", path: str = "/v1/reports",
                 port: int = 0):
        self.tls = tls
        self.host = host
        self.requested_port = port   # 0 = ephemeral; a fixed port lets a "collector back after an outage" rebind
        self.connections: list[tuple[float, tuple]] = []   # (monotonic time, peer address) of each accepted TCP conn
        self.path = path
        self._cond = threading.Condition()
        self._requests: list[Request] = []
        self._script: list[Reply] = []
        self.default = Reply(200)
        # Like telemetry-collector's TokenFile=: when set, a request whose Authorization header is not one of these
        # is answered 401 (recorded, and without using up a scripted reply).
        self.accepted_authorizations: set[str] | None = None
        self.tls_errors: list[str] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "Collector":
        self._stopping.clear()
        self._server = _Server((self.host, self.requested_port), _Handler)
        self._server.collector = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="collector", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._cond:
            self._cond.notify_all()

    def __enter__(self) -> "Collector":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "collector not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}{self.path}"

    # ------------------------------------------------------------ scripting
    def script(self, *replies: int | Reply) -> None:
        """Queue replies for the next requests, in order; afterwards `default` answers."""
        with self._cond:
            self._script.extend(Reply(r) if isinstance(r, int) else r for r in replies)

    def _next_reply(self, authorization: str | None = None) -> Reply:
        with self._cond:
            if self.accepted_authorizations is not None and authorization not in self.accepted_authorizations:
                return Reply(401, body=b'{"error":"bad token"}')
            return self._script.pop(0) if self._script else self.default

    def _record(self, req: Request) -> None:
        with self._cond:
            self._requests.append(req)
            self._cond.notify_all()

    def _record_connection(self, address) -> None:
        with self._cond:
            self.connections.append((time.monotonic(), address))
            self._cond.notify_all()

    def _record_tls_error(self, e: Exception) -> None:
        with self._cond:
            self.tls_errors.append(str(e))
            self._cond.notify_all()

    # ------------------------------------------------------------ inspection
    @property
    def requests(self) -> list[Request]:
        with self._cond:
            return list(self._requests)

    def reports(self, type: str | None = None) -> list[dict]:
        """Decoded JSON bodies of all POSTs so far, optionally of one report type."""
        out = []
        for r in self.requests:
            if r.method != "POST":
                continue
            try:
                doc = r.json
            except ValueError:
                continue
            if type is None or doc.get("type") == type:
                out.append(doc)
        return out

    def wait_for(self, n: int, timeout: float = 10.0, predicate=None) -> list[Request]:
        """Wait until at least n requests (matching predicate, if given) arrived; returns them all (matching).
        Fails with what did arrive."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self._requests if predicate is None or predicate(r)]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    summary = [(r.method, r.path, r.reply.status, _type_of(r)) for r in self._requests]
                    raise AssertionError(f"collector: wanted {n} request(s) within {timeout}s, got {len(got)}; "
                                         f"all requests: {summary}; tls errors: {self.tls_errors}")
                self._cond.wait(min(left, 0.5))

    @property
    def connection_count(self) -> int:
        """TCP connections accepted on the listening socket so far (also those that never sent a request)."""
        with self._cond:
            return len(self.connections)

    def wait_for_connections(self, n: int, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.connections) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"collector: wanted {n} accepted connection(s) within {timeout}s, "
                                         f"got {len(self.connections)}")
                self._cond.wait(min(left, 0.5))
            return len(self.connections)

    def wait_for_tls_error(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.tls_errors:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"collector: no TLS handshake failure within {timeout}s")
                self._cond.wait(min(left, 0.5))
            return self.tls_errors[0]


def _type_of(r: Request):
    try:
        return r.json.get("type")
    except (ValueError, AttributeError):
        return None
