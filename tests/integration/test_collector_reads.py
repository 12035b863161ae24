"""Reads never slow ingest, and say no more than they must: the real telemetry-collector with a fleet of 5,000
installs (imported with `telemetry-collector import`), readers looping on the page while reports arrive; the day
cache written only by the collector's own work, never by a request; ReadTokenFile=; /healthz saying `ok` or
`unavailable` and nothing else, also while PostgreSQL is down; the page's security headers."""
from __future__ import annotations

import datetime
import json
import multiprocessing
import pathlib
import sqlite3
import statistics
import sys
import time

import pytest

from conftest import ROOT, wait_until

sys.path.insert(0, str(ROOT / "scripts" / "bench"))
import fleet  # noqa: E402

PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def forwarded_for(i: int) -> dict[str, str]:
    """A client network per hundred reports, through the trusted loopback proxy, so that each network stays under
    the per-network rate limits."""
    return {"X-Forwarded-For": f"10.0.{i // 100}.1"}


def day_cache_rows(db: pathlib.Path) -> int:
    """Days in the day cache: each has one row for the whole day (scope 0) beside its rows per product and version."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return con.execute("SELECT count(*) FROM day_cache WHERE scope = 0").fetchone()[0]
    finally:
        con.close()


def _reader(address: str, path: str, stop, started, deadline: float) -> None:
    """A client looping on GET `path` over one keep-alive connection until `stop` (or `deadline`). Niced: on a
    small test machine six Python loops would otherwise take the CPU from the client whose POSTs are timed, and
    measure that instead of the collector (remote readers do not run on the collector's machine)."""
    import http.client
    import os
    os.nice(19)
    host, port = address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    first = True
    while not stop.is_set() and time.monotonic() < deadline:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status}")
        if first:
            started.release()
            first = False
    conn.close()


def _post_all(c, reports: list[dict], first: int) -> list[float]:
    """POSTs one after the other; each one's latency in seconds."""
    times = []
    for i, r in enumerate(reports):
        t = time.perf_counter()
        status, _, body = c.post(json.dumps(r), headers=forwarded_for(first + i))
        times.append(time.perf_counter() - t)
        assert status == 202, (status, body)
    return times


@pytest.fixture(scope="module")
def fleet_file(tmp_path_factory) -> tuple[pathlib.Path, fleet.Fleet]:
    """5,000 installs active today and yesterday (about 13,000 reports), as JSON lines for `import`."""
    f = fleet.Fleet(installs=5000, days=2, seed=5)
    path = tmp_path_factory.mktemp("fleet") / "fleet.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in f.reports()))
    return path, f


def _trial(c, fresh: list[dict], n: int, first: int) -> tuple[float, float]:
    """POST medians (seconds) of ingest alone and of ingest beside six readers looping on GET /."""
    alone = _post_all(c, fresh[: n // 2], first)
    ctx = multiprocessing.get_context("fork")
    stop, started = ctx.Event(), ctx.Semaphore(0)
    deadline = time.monotonic() + 120
    readers = [ctx.Process(target=_reader, args=(c.address, "/", stop, started, deadline)) for _ in range(6)]
    for p in readers:
        p.start()
    try:
        for _ in readers:
            assert started.acquire(timeout=60), "a reader got no page within 60 s"
        loaded = _post_all(c, fresh[n // 2: n // 2 + n], first + n // 2)
    finally:
        stop.set()
        for p in readers:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert all(p.exitcode == 0 for p in readers), [p.exitcode for p in readers]
    alone += _post_all(c, fresh[n // 2 + n:], first + n // 2 + n)
    return statistics.median(alone), statistics.median(loaded)


def test_readers_looping_on_the_page_do_not_slow_ingest(make_collector, fleet_file):
    lines, f = fleet_file
    c = make_collector()
    r = c.cli("import", str(lines), timeout=600)
    assert r.returncode == 0, r.stderr
    c.start()
    assert c.get_json("/api/v1/summary?days=1")["activeInstalls"] > 3000

    # One trial: ingest alone (half before the readers, half after them, so a slower minute of the machine weighs
    # on both), then with six readers looping on the page. On a 2-core machine shared with the test client and the
    # readers the ratio is near its bound, so a trial over it is run once more with fresh reports: the collector of
    # before (325 ms against 1.6 ms, 200×) fails both by far; the machine's noise rarely fails two.
    n = 100
    fresh = iter(list(f.fresh(4 * n)))
    trials = []
    for trial in range(2):
        median_alone, median_loaded = _trial(c, [next(fresh) for _ in range(2 * n)], n, first=trial * 2 * n)
        print(f"POST median: {median_alone * 1000:.2f} ms alone, {median_loaded * 1000:.2f} ms with six readers on /")
        trials.append((median_alone, median_loaded))
        if median_loaded <= 2 * median_alone:
            break
    assert any(loaded <= 2 * alone for alone, loaded in trials), trials
    # Every report was stored.
    assert c.get_json("/api/v1/summary?days=1")["activeInstalls"] > 3000


def test_a_long_read_writes_nothing_and_the_day_cache_is_the_collectors_own_work(make_collector, report_lines):
    c = make_collector(settings={"RetainDays": "30"})
    assert c.cli("import", str(report_lines)).returncode == 0
    c.start()
    # At start the collector counts the closed days of RetainDays=: 29 rows (today is open; yesterday is closed from
    # 00:10 UTC, so 28 before).
    now = datetime.datetime.now(datetime.timezone.utc)
    closed = 29 if (now - datetime.timedelta(minutes=10)).date() == now.date() else 28
    wait_until(lambda: day_cache_rows(c.db_path) == closed, timeout=30, what="the day cache of the last 30 days")
    for path in ("/api/v1/summary?days=3660", "/?days=3660", "/api/v1/summary?days=365", "/metrics"):
        status, _, body = c.get(path)
        assert status == 200, (path, status, body[:200])
    s = c.get_json("/api/v1/summary?days=3660")
    assert len(s["days"]) == 3660
    assert sum(d["activeInstalls"] for d in s["days"]) > 0
    assert day_cache_rows(c.db_path) == closed


@pytest.fixture
def report_lines(tmp_path) -> pathlib.Path:
    """40 installs over the last 40 days, as JSON lines."""
    path = tmp_path / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in fleet.Fleet(installs=40, days=40, seed=3).reports()))
    return path


def test_read_tokens_guard_the_reads_not_healthz_nor_ingest_and_reload_rereads_them(make_collector):
    c = make_collector()
    tokens = c.dir / "read-tokens"
    tokens.write_text("# readers\nreader-one\n")
    conf = {"Listen": "127.0.0.1:0", "Database": f"sqlite://{c.db_path}", "ReadTokenFile": str(tokens)}
    c.write_config(conf)
    c.start()

    def get(path: str, token: str | None = None) -> tuple[int, dict, bytes]:
        return c.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})

    for path in ("/", "/api/v1/summary", "/metrics"):
        status, headers, _ = get(path)
        assert status == 401 and headers.get("www-authenticate") == "Bearer", (path, status, headers)
        assert get(path, "wrong")[0] == 401
        assert get(path, "reader-one")[0] == 200, path
    status, _, body = get("/healthz")
    assert (status, body) == (200, b"ok")
    # Ingest keeps its own TokenFile= (empty: open): no read token needed to post.
    f = fleet.Fleet(installs=1, days=1, seed=9)
    assert c.post(json.dumps(next(f.fresh(1))), headers=forwarded_for(0))[0] == 202

    tokens.write_text("reader-two\n")
    mark = c.line_count()
    c.reload()
    c.wait_for("configuration reloaded", start=mark)
    assert get("/api/v1/summary", "reader-one")[0] == 401
    assert get("/api/v1/summary", "reader-two")[0] == 200
    # Emptied in the configuration: reads are open again.
    del conf["ReadTokenFile"]
    c.write_config(conf)
    mark = c.line_count()
    c.reload()
    c.wait_for("configuration reloaded", start=mark)
    assert get("/api/v1/summary")[0] == 200


def test_the_page_and_the_data_carry_security_headers(make_collector):
    c = make_collector()
    c.start()
    status, headers, body = c.get("/")
    assert status == 200 and b"<svg" in body
    for name, value in PAGE_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    for path in ("/api/v1/summary", "/metrics", "/healthz", "/api/v1/summary?days=0"):
        status, headers, _ = c.get(path)
        assert headers.get("x-content-type-options") == "nosniff", (path, status, headers)
    status, headers, body = c.get("/healthz")
    assert (status, body) == (200, b"ok")
    assert headers["content-type"].startswith("text/plain")


def test_healthz_says_unavailable_and_nothing_more_while_postgresql_is_down(postgres, tmp_path):
    from test_collector_postgres import CollectorProcess
    c = CollectorProcess(tmp_path / "collector", postgres.collector_config()).start()
    try:
        assert c.get("/healthz")[0::2] == (200, b"ok")
        postgres.stop()
        # The check is cached for a few seconds: unavailable within them, and then exactly that word.
        wait_until(lambda: c.get("/healthz")[0] == 503, timeout=30, what="/healthz to answer 503")
        status, headers, body = c.get("/healthz")
        assert (status, body) == (503, b"unavailable")
        assert "postgres" not in json.dumps(headers).lower()
        # The details went to the journal (stderr here), where the operator looks.
        log = c.log.read_text(errors="replace")
        assert "health check:" in log and "127.0.0.1" in log, log[-2000:]
        postgres.start()
        wait_until(lambda: c.get("/healthz")[0] == 200, timeout=60, what="/healthz to answer 200 again")
        assert c.get("/healthz")[0::2] == (200, b"ok")
    finally:
        c.stop()
