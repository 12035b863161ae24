"""telemetry-collector against hostile clients, on 127.0.0.1 only, each bounded in count and time: idle connections
held by the hundred, requests trickled a byte at a time, answers never read, a 1 GiB body, floods of made-up
installs, forwarded-for headers from clients and proxies, and a certificate swapped under a running server.
(The collector's own edge: MaxConnections=, RequestTimeoutSec=, IdleTimeoutSec=, WriteTimeoutSec=, the rate limits
and TrustedProxies=; README, "Running it on the internet".)"""
from __future__ import annotations

import os
import select
import shutil
import socket
import sqlite3
import ssl
import time
import uuid

import pytest

from certs import make_certs
from conftest import config_text
from test_collector import body, metrics, report  # noqa: F401  (report is a fixture)


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def connect(c, rcvbuf: int | None = None) -> socket.socket:
    host, port = c.address.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((host, int(port)))
    return s


def read_until_closed(s: socket.socket, timeout: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when that was (monotonic)."""
    got = b""
    deadline = time.monotonic() + timeout
    s.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not data:
            break
        got += data
    else:
        raise AssertionError(f"the server did not close the connection within {timeout} s; got {got[:200]!r}")
    return got, time.monotonic()


def closed_by_server(s: socket.socket) -> bool:
    readable, _, _ = select.select([s], [], [], 0)
    if not readable:
        return False
    try:
        return s.recv(1 << 20, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


def counter(c, name: str, **labels) -> float:
    return metrics(c).get((name, tuple(sorted(labels.items()))), 0.0)


# ---------------------------------------------------------------- connections
def test_held_idle_connections_do_not_lock_out_a_real_agent(make_collector, make_daemon):
    c = make_collector(settings={"MaxConnections": "100"}, nofile=256).start()
    pid = c.proc.pid
    held = [connect(c) for _ in range(300)]
    try:
        # The newest connections displaced the oldest idle ones; the collector never ran out of files.
        time.sleep(0.5)
        assert open_files(pid) <= 100 + 64
        d = make_daemon(config_text(c.endpoint))
        started = time.monotonic()
        p = d.cli("send")
        took = time.monotonic() - started
        assert p.returncode == 0, p.stderr
        assert took < 2.0, f"telemetryd send took {took:.1f} s past 300 idle connections"
        assert c.get("/healthz")[0] == 200
        m = metrics(c)
        assert m[("telemetry_connections_closed_total", (("reason", "evicted"),))] >= 190
        assert m[("telemetry_connections_open", ())] <= 100
        assert sum(closed_by_server(s) for s in held[:150]) >= 140, "the oldest idle connections were closed"
    finally:
        for s in held:
            s.close()


def test_when_every_connection_is_busy_accepting_pauses_until_one_finishes(make_collector):
    c = make_collector(settings={"MaxConnections": "20", "RequestTimeoutSec": "2s"}).start()
    busy = []
    first_request = time.monotonic()
    try:
        # One more than the cap gets in: the accept allowed while the last of them was still idle.
        for _ in range(21):
            s = connect(c)
            busy.append(s)
            s.sendall(b"POST /v1/reports HTTP/1.1\r\nHost: collector\r\n")   # headers never finished
            time.sleep(0.05)
        time.sleep(0.3)
        assert open_files(c.proc.pid) < 21 + 64
        assert c.get("/healthz")[0] == 200
        # The new client waited in the backlog until the first busy one was cut off at RequestTimeoutSec=.
        answered = time.monotonic() - first_request
        assert 1.9 < answered < 10, answered
        c.wait_for(r"MaxConnections=20 reached and every connection is busy: accepting paused")
        c.wait_for(r"accepting connections again after \d+ ms")
        for s in busy:
            got, _ = read_until_closed(s, 5)
            assert got.startswith(b"HTTP/1.1 408 ")
    finally:
        for s in busy:
            s.close()


def test_a_trickled_request_ends_at_RequestTimeoutSec_however_often_a_byte_arrives(make_collector):
    c = make_collector(settings={"RequestTimeoutSec": "2s", "IdleTimeoutSec": "30s"}).start()
    head_trickle = connect(c)
    body_trickle = connect(c)
    body_trickle.sendall(b"POST /v1/reports HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{")
    started = time.monotonic()
    request = b"POST /v1/reports HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\n"
    answers = {}
    sent = 0
    while len(answers) < 2 and time.monotonic() - started < 8:
        for name, s in (("head", head_trickle), ("body", body_trickle)):
            if name in answers:
                continue
            if closed_by_server(s) or select.select([s], [], [], 0)[0]:
                got, at = read_until_closed(s, 5)
                answers[name] = (got, at - started)
                continue
            try:
                s.send(request[sent % len(request):][:1] if name == "head" else b" ")
            except (BrokenPipeError, ConnectionResetError):
                pass
        sent += 1
        time.sleep(0.2)
    for name in ("head", "body"):
        got, after = answers[name]
        assert got.startswith(b"HTTP/1.1 408 Request Timeout\r\n") and b"Connection: close" in got, (name, got)
        assert 1.5 < after < 5, (name, after)
    assert counter(c, "telemetry_connections_closed_total", reason="request_timeout") == 2


def test_an_idle_keep_alive_connection_closes_at_IdleTimeoutSec(make_collector):
    c = make_collector(settings={"IdleTimeoutSec": "1s"}).start()
    s = connect(c)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: collector\r\n\r\n")
    first = s.recv(65536)
    assert first.startswith(b"HTTP/1.1 200 ")
    answered = time.monotonic()
    _, closed = read_until_closed(s, 5)
    assert 0.8 < closed - answered < 3
    s.close()


def test_a_client_that_does_not_read_its_answer_is_cut_off_with_memory_bounded(make_collector, report):
    c = make_collector(settings={"WriteTimeoutSec": "1s", "IdleTimeoutSec": "60s"}).start()
    # A long page: ten years of days.
    for v in range(30):
        r = report("diagnostics")
        r["product"] = {"name": "acme", "version": f"1.{v}.0"}
        assert c.post(body(r))[0] == 202
    size = len(c.get("/?days=3660")[2])
    assert size > 500_000, size
    pid = c.proc.pid
    before = rss_kib(pid)
    readers = [connect(c, rcvbuf=4096) for _ in range(20)]
    try:
        for s in readers:
            s.sendall(b"GET /?days=3660 HTTP/1.1\r\nHost: collector\r\n\r\n")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and counter(c, "telemetry_connections_closed_total", reason="write_timeout") < 20:
            time.sleep(0.2)
        assert counter(c, "telemetry_connections_closed_total", reason="write_timeout") == 20
        assert counter(c, "telemetry_connections_open") <= 1
        # 20 answers of ~size each were not held past the timeout.
        assert rss_kib(pid) - before < 20 * size // 1024 + 64 * 1024
        for s in readers:
            got, _ = read_until_closed(s, 5)
            assert len(got) < size, "the answer was cut off, not completed"
    finally:
        for s in readers:
            s.close()


def test_a_declared_1_GiB_body_is_answered_413_and_not_read(make_collector):
    c = make_collector().start()
    status, headers, _, sent = c.post_streaming(1 << 30, timeout=20)
    assert status == 413 and headers["connection"] == "close"
    assert sent < 16 << 20, f"{sent} bytes of the body were taken"
    assert c.get("/healthz")[0] == 200


# ---------------------------------------------------------------- rate limits
def test_a_flood_of_made_up_installs_from_one_network_stops_at_the_limit(make_collector, report):
    c = make_collector(settings={"NetworkNewInstallsPerDay": "30", "NetworkReportsPerMinute": "0"}).start()
    first = report()
    answers = [c.post(body(first))] + [c.post(body(report(instanceId=str(uuid.uuid4())))) for _ in range(49)]
    statuses = [a[0] for a in answers]
    assert statuses.count(202) == 30 and statuses.count(429) == 20, statuses
    refused = answers[statuses.index(429)]
    assert int(refused[1]["retry-after"]) > 0
    assert b"new installs per day" in refused[2]
    # An install the collector knows is not new: it still lands from the flooded network.
    assert c.post(body(report(instanceId=first["instanceId"])))[0] == 202
    # Another network, through the trusted loopback proxy, still brings new installs.
    assert c.post(body(report(instanceId=str(uuid.uuid4()))), headers={"X-Forwarded-For": "203.0.113.9"})[0] == 202
    assert c.get_json("/api/v1/summary?days=1")["activeInstalls"] == 31
    assert counter(c, "telemetry_reports_total", result="rate_limited") == 20
    # Neither address is stored.
    with sqlite3.connect(c.db_path) as db:
        dump = "\n".join(db.iterdump())
    assert "203.0.113" not in dump and "127.0.0.1" not in dump
    assert "203.0.113" not in c.output


def test_reports_per_minute_per_network_and_reports_per_day_per_install(make_collector, report):
    c = make_collector(settings={"NetworkReportsPerMinute": "10", "InstanceReportsPerDay": "3"}).start()
    statuses = [c.post(body(report(instanceId=str(uuid.uuid4()))))[0] for _ in range(10)]
    assert statuses == [202] * 10
    status, headers, b = c.post(body(report()))
    assert status == 429 and 1 <= int(headers["retry-after"]) <= 6 and b"network reports per minute" in b
    # The same /24 shares the bucket; another /24 has its own.
    assert c.post(body(report()), headers={"X-Forwarded-For": "198.51.100.7"})[0] == 202
    assert c.post(body(report()), headers={"X-Forwarded-For": "198.51.100.8"})[0] == 202
    # One install, whatever network it comes from: three reports a day, then 429 until midnight UTC.
    install = str(uuid.uuid4())
    nets = ["192.0.2.1", "192.0.3.1", "192.0.4.1", "192.0.5.1"]
    statuses = [c.post(body(report(instanceId=install)), headers={"X-Forwarded-For": n}) for n in nets]
    assert [s[0] for s in statuses] == [202, 202, 202, 429]
    assert 0 < int(statuses[3][1]["retry-after"]) <= 86_400 and b"install reports per day" in statuses[3][2]


def test_trusted_proxies_decide_whose_forwarded_header_counts(make_collector, report):
    untrusting = make_collector(settings={"NetworkReportsPerMinute": "2", "TrustedProxies": "none"}, name="none").start()
    statuses = [untrusting.post(body(report()), headers={"X-Forwarded-For": f"203.0.{n}.1"})[0] for n in range(3)]
    assert statuses == [202, 202, 429], "a client's own X-Forwarded-For is not believed"
    trusting = make_collector(settings={"NetworkReportsPerMinute": "2"}, name="default").start()
    for n in range(3):
        # RFC 7239 Forwarded, with a port and an IPv6 address; the rightmost untrusted hop counts.
        assert trusting.post(body(report()), headers={"Forwarded": f'for=192.0.2.1, for="[2001:db8:{n}::1]:4711"'})[0] == 202
    assert trusting.post(body(report()), headers={"X-Forwarded-For": "203.0.113.1, 127.0.0.5"})[0] == 202
    assert trusting.post(body(report()), headers={"X-Forwarded-For": "203.0.113.2"})[0] == 202
    assert trusting.post(body(report()), headers={"X-Forwarded-For": "203.0.113.3"})[0] == 429


# ---------------------------------------------------------------- TLS
def test_a_certificate_swapped_on_disk_is_served_after_a_reload(make_collector, tmp_path):
    old, new = make_certs(tmp_path / "old"), make_certs(tmp_path / "new")
    live = tmp_path / "live"
    live.mkdir()
    cert, key = live / "cert.pem", live / "key.pem"
    shutil.copy(old.server_pem, cert)
    shutil.copy(old.server_key, key)
    c = make_collector(settings={"TLSCertificate": str(cert), "TLSKey": str(key)}).start()
    host, port = c.address.rsplit(":", 1)

    def served() -> bytes:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection((host, int(port)), timeout=10) as raw, ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)

    def der(path) -> bytes:
        return ssl.PEM_cert_to_DER_cert(path.read_text())

    assert served() == der(old.server_pem)
    shutil.copy(new.server_pem, cert)
    shutil.copy(new.server_key, key)
    mark = c.line_count()
    c.reload()
    c.wait_for("configuration reloaded", start=mark)
    assert served() == der(new.server_pem)
    # A certificate that does not load keeps the running one.
    cert.write_text("not a certificate\n")
    mark = c.line_count()
    c.reload()
    c.wait_for(r"reload failed, keeping the running configuration: TLSCertificate=", start=mark)
    assert served() == der(new.server_pem)
