"""The collector itself: what it records and how it answers, checked with a plain HTTP client."""
import gzip
import http.client
import json
import threading
import time

import pytest

from collector import Collector, Reply


def post(c, body: bytes, headers=None, tls=None, chunked=False):
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", c.port, context=tls, timeout=10)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", c.port, timeout=10)
    h = {"Content-Type": "application/json", **(headers or {})}
    if chunked:
        conn.request("POST", c.path, body=iter([body[:5], body[5:]]), headers=h, encode_chunked=True)
    else:
        conn.request("POST", c.path, body=body, headers=h)
    r = conn.getresponse()
    out = (r.status, dict(r.getheaders()), r.read())
    conn.close()
    return out


def test_records_and_gunzips(collector):
    doc = {"type": "keepalive", "messageId": "m1"}
    status, _, _ = post(collector, gzip.compress(json.dumps(doc).encode()), {"Content-Encoding": "gzip",
                                                                            "User-Agent": "x/1"})
    assert status == 200
    [r] = collector.wait_for(1, timeout=5)
    assert r.method == "POST" and r.path == "/v1/reports"
    assert r.gzipped and r.json == doc and r.raw_body != r.body
    assert r.header("USER-AGENT") == "x/1"
    assert collector.reports("keepalive") == [doc] and collector.reports("diagnostics") == []


def test_chunked_body(collector):
    post(collector, b'{"type":"diagnostics"}', chunked=True)
    assert collector.wait_for(1)[0].json == {"type": "diagnostics"}


def test_scripted_replies_in_order_then_default(collector):
    collector.script(503, Reply(429, retry_after=7), 400)
    got = [post(collector, b"{}") for _ in range(4)]
    assert [g[0] for g in got] == [503, 429, 400, 200]
    assert got[1][1]["Retry-After"] == "7"
    assert "Retry-After" not in got[0][1]
    assert [r.reply.status for r in collector.requests] == [503, 429, 400, 200]


def test_delay_holds_the_reply(collector):
    collector.script(Reply(200, delay=0.5))
    t0 = time.monotonic()
    post(collector, b"{}")
    assert time.monotonic() - t0 >= 0.5


def test_wait_for_times_out_with_a_summary(collector):
    post(collector, b'{"type":"keepalive"}')
    with pytest.raises(AssertionError, match=r"wanted 2 request.*'keepalive'"):
        collector.wait_for(2, timeout=0.3)


def test_wait_for_wakes_on_a_request_from_another_thread(collector):
    threading.Timer(0.2, lambda: post(collector, b"{}")).start()
    assert len(collector.wait_for(1, timeout=5)) == 1


def test_https_with_the_test_ca(certs):
    with Collector(tls=certs.server_context()) as c:
        assert c.url.startswith("https://127.0.0.1:")
        status, _, _ = post(c, b'{"a":1}', tls=certs.client_context())
        assert status == 200 and c.wait_for(1)[0].json == {"a": 1}


def test_https_records_a_handshake_the_client_refused(certs):
    import ssl
    with Collector(tls=certs.server_context()) as c:
        with pytest.raises(ssl.SSLCertVerificationError):
            post(c, b"{}", tls=ssl.create_default_context())  # system trust store: our CA is unknown
        assert c.wait_for_tls_error(timeout=5)
        assert c.requests == []


def test_stop_does_not_wait_for_a_delayed_reply():
    c = Collector().start()
    c.script(Reply(200, delay=30))
    def client():
        try:
            post(c, b"{}")
        except OSError:
            pass
    t = threading.Thread(target=client, daemon=True)
    t.start()
    c.wait_for(1, timeout=5)
    t0 = time.monotonic()
    c.stop()
    assert time.monotonic() - t0 < 5


def test_counts_accepted_connections_also_without_a_request(collector):
    import socket
    assert collector.connection_count == 0
    s = socket.create_connection(("127.0.0.1", collector.port), timeout=5)
    s.close()                                      # connect and hang up: no request at all
    assert collector.wait_for_connections(1, timeout=5) == 1
    post(collector, b"{}")                         # http.client: one more connection
    assert collector.wait_for_connections(2, timeout=5) == 2
    assert len(collector.requests) == 1, "a bare connect is counted as a connection, not as a request"
    with pytest.raises(AssertionError, match=r"wanted 3 accepted connection"):
        collector.wait_for_connections(3, timeout=0.3)


def test_restarts_on_the_same_port_after_an_outage():
    import socket
    c = Collector().start()
    port = c.port
    c.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with Collector(port=port) as back:
        assert back.port == port and back.url == f"http://127.0.0.1:{port}/v1/reports"
        status, _, _ = post(back, b'{"a":1}')
        assert status == 200 and back.wait_for(1)[0].json == {"a": 1}
