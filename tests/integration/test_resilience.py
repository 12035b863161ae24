"""Delivery under a misbehaving collector: resets, hangs, long outages, crashes of the daemon, opt-out, 429.

The foreground daemon (`telemetryd run`) against a real collector on 127.0.0.1, as in test_delivery.py: no jitter,
1h intervals (one keepalive and one diagnostics at start), quick retries (RetryMinSec=1s, RetryMaxSec=2s).
Every wait is bounded; every daemon is stopped with SIGTERM and must exit 0 within 1 s.
"""
from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from collector import Collector, Reply
from conftest import config_text, wait_until

TYPES = {"keepalive", "diagnostics"}


def _json(r):
    try:
        return r.json
    except ValueError:
        return None


def ids_of(requests, status=None):
    return [r.json["messageId"] for r in requests
            if r.method == "POST" and _json(r) and (status is None or r.reply.status == status)]


def spool_dir(d):
    return d.state_dir / "spool"


def spool_ids(d) -> set[str]:
    return {json.loads(p.read_text())["messageId"] for p in d.spool}


def assert_spool_is_clean(d, schema=None) -> set[str]:
    """Every *.json file in the spool directory is a complete JSON report (a write interrupted by kill -9 may leave
    a temp file under another name, never a partial *.json)."""
    sd = spool_dir(d)
    if not sd.is_dir():
        return set()
    ids = set()
    for p in sorted(sd.glob("*.json")):
        assert p.is_file(), f"unexpected entry in the spool: {p}"
        text = p.read_text()
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise AssertionError(f"spool file {p.name} is not valid JSON ({e}): {text[:200]!r}")
        assert doc.get("type") in TYPES and doc.get("messageId"), f"{p.name} is not a report: {text[:200]!r}"
        if schema is not None:
            import jsonschema
            jsonschema.Draft202012Validator(schema).validate(doc)
        ids.add(doc["messageId"])
    return ids


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    c = Collector().start()
    port = c.port
    c.stop()
    return port


# ------------------------------------------------------------------ 1. connection reset
def test_connection_reset_is_retried_with_the_same_message_id(make_daemon, collector):
    collector.script(Reply(close=True), Reply(close=True))
    d = make_daemon(config_text(collector.url)).start()
    ok = collector.wait_for(2, timeout=20, predicate=lambda r: r.reply.status == 200 and not r.reply.close)
    reset = [r for r in collector.requests if r.reply.close]
    assert len(reset) == 2
    reset_ids = set(ids_of(reset))
    delivered = set(ids_of(ok))
    assert reset_ids <= delivered, "a report whose connection was reset is delivered later with the same messageId"
    assert {r.json["type"] for r in ok} == TYPES
    for t in TYPES:
        d.wait_for_event(result="sent", type=t, timeout=10)
    assert d.events(result="retrying"), "the reset was reported as a retry"
    assert all(e["TELEMETRY_MESSAGE_ID"] in reset_ids for e in d.events(result="retrying"))
    wait_until(lambda: d.spool == [] or None, timeout=10, what="spool to empty")
    d.stop()


# ------------------------------------------------------------------ 2. collector hangs past TimeoutSec
def test_hung_collector_times_out_and_is_retried(make_daemon, collector):
    collector.script(Reply(200, delay=6))          # the first attempt hangs far beyond TimeoutSec=1s
    d = make_daemon(config_text(collector.url, transport={"TimeoutSec": "1s"})).start()
    [hung] = collector.wait_for(1, timeout=10)
    hung_id = hung.json["messageId"]
    # Abandoned after TimeoutSec, well before the collector would have answered (6 s).
    ev = d.wait_for_event(result="retrying", timeout=4)
    assert ev["TELEMETRY_MESSAGE_ID"] == hung_id
    assert time.monotonic() - hung.received_at < 5.5, "the timed-out attempt was not abandoned before the reply"
    # Retried, then delivered once the collector answers promptly.
    ok = collector.wait_for(2, timeout=15, predicate=lambda r: r.reply.delay == 0)
    assert hung_id in ids_of(ok)
    assert {r.json["type"] for r in ok} == TYPES
    sent = d.wait_for_event(result="sent", type=hung.json["type"], timeout=10)
    assert sent["TELEMETRY_MESSAGE_ID"] == hung_id
    wait_until(lambda: d.spool == [] or None, timeout=10, what="spool to empty")
    d.stop(timeout=1.0)   # still responsive: SIGTERM, exit 0 within 1 s


def test_hung_collector_does_not_block_sigterm(make_daemon, collector):
    collector.default = Reply(200, delay=10)
    d = make_daemon(config_text(collector.url, transport={"TimeoutSec": "1s"})).start()
    collector.wait_for(2, timeout=15)               # at least one timed-out attempt and its retry
    d.wait_for_event(result="retrying", timeout=5)
    d.stop(timeout=1.0)
    assert len(d.spool) == 2, "nothing was delivered: both reports stay spooled"


# ------------------------------------------------------------------ 3. long outage (connection refused)
def test_long_outage_loses_nothing(make_daemon):
    port = closed_port()
    url = f"http://127.0.0.1:{port}/v1/reports"
    # Short intervals so the outage produces several reports of each type, plus restarts in between.
    cfg = config_text(url, telemetry={"KeepAliveIntervalSec": "2s", "DiagnosticsIntervalSec": "3s"},
                      transport={"RetryMinSec": "1s", "RetryMaxSec": "2s"})
    d = make_daemon(cfg).start()
    queued: set[str] = set()

    def note_queued():
        for e in d.events():
            if e.get("TELEMETRY_RESULT") in ("queued", "retrying") and e.get("TELEMETRY_MESSAGE_ID"):
                queued.add(e["TELEMETRY_MESSAGE_ID"])
        queued.update(spool_ids(d))

    for cycle in range(3):
        wait_until(lambda: len(d.spool) >= 2 * (cycle + 1) or None, timeout=15,
                   what=f"{2 * (cycle + 1)} spooled reports during the outage")
        note_queued()
        if cycle == 1:
            d.reload()
            d.wait_for(r"(?i)reload", timeout=5)
        else:
            d.stop()
            note_queued()
            d.start()
            d.wait_for(r"started", timeout=10)
    time.sleep(2.5)   # a few more due reports and refused retries
    note_queued()
    d.stop()
    note_queued()
    assert not d.events(result="dropped"), "MaxReports=512 is far away: nothing may be dropped"
    assert len(queued) >= 6, f"the outage should have queued several reports, got {len(queued)}"
    on_disk = spool_ids(d)
    assert on_disk == queued, f"reports queued during the outage are missing from the spool: {queued - on_disk}"

    with Collector(port=port) as back:
        d.start()
        wait_until(lambda: d.spool == [] or None, timeout=30, what="spool to drain once the collector is back")
        d.stop()
        delivered = ids_of(back.requests, status=200)
    got = set(delivered)
    missing = queued - got
    assert not missing, f"{len(missing)} queued report(s) never delivered: {missing}"
    dups = {m: n for m, n in collections.Counter(delivered).items() if n > 1}
    # At-least-once: a duplicate is allowed only for a report whose 2xx the daemon may not have recorded; none
    # here, since every attempt got its answer before the daemon stopped.
    assert not dups, f"delivered more than once: {dups}"


# ------------------------------------------------------------------ 4. kill -9 during delivery
def test_kill_9_during_delivery_leaves_a_clean_spool(make_daemon, collector, schema):
    collector.default = Reply(200, delay=3)        # every request stays in flight for 3 s
    cfg = config_text(collector.url, telemetry={"KeepAliveIntervalSec": "1h"})
    d = make_daemon(cfg).start()
    seen: set[str] = set()
    final_spool: set[str] = set()
    for round_ in range(4):
        n = len(collector.requests)
        collector.wait_for(n + 1, timeout=10)      # a request is in flight now (the collector holds it 3 s)
        time.sleep(0.3 * round_)                    # kill at slightly different points of the exchange
        d.proc.send_signal(signal.SIGKILL)
        d.wait_exit(timeout=5)
        final_spool = assert_spool_is_clean(d, schema)
        assert final_spool, f"round {round_}: the report in flight is no longer spooled after kill -9"
        seen |= final_spool
        if round_ == 3:
            break
        # Forget the schedule now and then so the next start makes fresh reports while old ones are still queued.
        if round_ % 2 == 0:
            (d.state_dir / "state.json").unlink(missing_ok=True)
        d.start()
    requested = set(ids_of(collector.requests))
    # A report leaves the spool only after a 2xx reached the daemon, so whatever left it was requested.
    assert seen - final_spool <= requested
    assert len(seen) >= 4, f"fresh reports after each forgotten schedule: {seen}"

    collector.default = Reply(200)
    before = len(collector.requests)
    d.start()
    wait_until(lambda: d.spool == [] or None, timeout=30, what="spool to drain after a clean start")
    d.stop()
    leftovers = sorted(p.name for p in spool_dir(d).iterdir()) if spool_dir(d).is_dir() else []
    assert leftovers == [], f"a clean start and drain leaves files in the spool: {leftovers}"
    delivered_now = set(ids_of(collector.requests[before:], status=200))
    assert final_spool <= delivered_now, f"spooled reports not delivered by a clean start: {final_spool - delivered_now}"
    assert seen <= set(ids_of(collector.requests)), "a report spooled before a kill -9 was never sent"


# ------------------------------------------------------------------ 5. disabled: no connection at all
@pytest.mark.parametrize("how", ["Enable=no", "DO_NOT_TRACK=1", "TELEMETRYD_DISABLE=1"])
def test_disabled_daemon_opens_no_connection(make_daemon, collector, how):
    if how == "Enable=no":
        d = make_daemon(config_text(collector.url, telemetry={"Enable": "no"}))
    else:
        k, v = how.split("=")
        d = make_daemon(config_text(collector.url), env={k: v})
    d.start()
    d.wait_for(r"started", timeout=10)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        assert collector.connection_count == 0, f"{how}: a disabled daemon connected to the collector"
        time.sleep(0.1)
    assert collector.requests == [] and d.spool == []
    d.stop()
    # Control: the same config enabled connects at once.
    e = make_daemon(config_text(collector.url), name="enabled").start()
    collector.wait_for_connections(1, timeout=5)
    e.stop()


# ------------------------------------------------------------------ 6. 429 without Retry-After
def test_429_without_retry_after_is_retried_with_backoff(make_daemon, collector):
    collector.script(429, 429, 429)
    d = make_daemon(config_text(collector.url, transport={"RetryMinSec": "2s", "RetryMaxSec": "4s"})).start()
    ok = collector.wait_for(2, timeout=30, predicate=lambda r: r.reply.status == 200)
    reqs = collector.requests
    throttled = [r for r in reqs if r.reply.status == 429]
    assert len(throttled) == 3 and all(r.reply.retry_after is None for r in throttled)
    assert set(ids_of(throttled)) <= set(ids_of(ok)), "the throttled report is delivered with the same messageId"
    # Backoff: after each 429 the next attempt waits at least RetryMinSec (2 s), at most RetryMaxSec (4 s) + slack.
    for a, b in zip(reqs, reqs[1:]):
        if a.reply.status != 429:
            continue
        gap = b.received_at - a.received_at
        assert gap >= 1.9, f"retried {gap:.2f}s after a 429 without Retry-After (RetryMinSec=2s)"
        assert gap <= 6.0, f"retried only {gap:.2f}s after a 429 (RetryMaxSec=4s)"
    ev = d.wait_for_event(result="retrying", timeout=5)
    assert ev.get("TELEMETRY_HTTP_STATUS") == "429"
    assert not d.events(result="rejected"), "429 is retryable, never rejected"
    d.stop()


# ------------------------------------------------------------------ refused, undeletable, partial spool write, reload
def test_refused_connection_fails_at_once_not_after_timeout_sec(make_daemon):
    # TimeoutSec= bounds a whole attempt; a refused connection is no reason to wait for it.
    d = make_daemon(config_text(f"http://127.0.0.1:{closed_port()}/v1/reports", transport={"TimeoutSec": "20s"}))
    t0 = time.monotonic()
    d.start()
    ev = d.wait_for_event(result="retrying", timeout=8)
    took = time.monotonic() - t0
    assert "connection refused" in ev["line"], ev
    assert took < 8, f"the first failure took {took:.1f}s"
    d.stop()


class _Immutable:
    """chattr +i on files (even root cannot delete them then), undone at exit."""

    def __init__(self):
        self.paths = []

    def add(self, path):
        subprocess.run(["chattr", "+i", str(path)], check=True)
        self.paths.append(path)

    def __enter__(self):
        if shutil.which("chattr") is None:
            pytest.skip("chattr (e2fsprogs) is not installed")
        return self

    def __exit__(self, *exc):
        for p in self.paths:
            subprocess.run(["chattr", "-i", str(p)], check=False)


def _report_file(spool, ms: int, mid: str):
    doc = {"schemaVersion": 1, "messageId": mid, "type": "keepalive", "timestamp": "2026-11-23T06:00:00Z",
           "instanceId": str(uuid.uuid4()), "clusterId": str(uuid.uuid4()),
           "agent": {"name": "telemetryd", "version": "0.1.0"}, "data": {"uptimeSec": 1, "agentUptimeSec": 1}}
    spool.mkdir(parents=True, exist_ok=True)
    p = spool / f"{ms:015d}-keepalive-{mid}.json"
    p.write_text(json.dumps(doc))
    return p


def test_a_delivered_report_that_cannot_be_deleted_is_not_posted_again(make_daemon, collector):
    collector.default = Reply(200, delay=1.0)   # time to make the spool files undeletable while in flight
    d = make_daemon(config_text(collector.url))
    with _Immutable() as immutable:
        d.start()
        collector.wait_for(1, timeout=10)
        wait_until(lambda: len(d.spool) == 2, timeout=5, what="both reports spooled")
        for p in d.spool:
            immutable.add(p)
        collector.default = Reply(200)
        d.wait_for_event(result="sent", count=2, timeout=10)
        time.sleep(2)   # the old code re-POSTed at once, in a loop
        counts = collections.Counter(ids_of(collector.requests))
        assert set(counts.values()) == {1}, f"a delivered report was POSTed again: {counts}"
        assert len([l for l in d.lines if "Cannot delete the delivered" in l]) == 1, d.output
        assert d.cli("status", "--json").returncode == 0
        d.stop()


def test_a_spool_full_of_undeletable_reports_still_spools_and_sends_once(make_daemon, collector):
    # MaxReports=1 and an old report that cannot be dropped: the new one is written all the same. It must not be
    # taken for unspooled ("Cannot spool") and sent a second time from memory.
    collector.script(Reply(503))   # the old report fails first, so the new ones are added while it is still there
    d = make_daemon(config_text(collector.url, spool={"MaxReports": "1"}))
    old_id = str(uuid.uuid4())
    with _Immutable() as immutable:
        immutable.add(_report_file(d.state_dir / "spool", 1, old_id))
        d.start()
        d.wait_for_event(result="sent", count=2, timeout=15)
        time.sleep(2)
        counts = collections.Counter(ids_of(collector.requests, status=200))
        assert counts and set(counts.values()) == {1}, f"a report was delivered twice: {counts}"
        assert not [l for l in d.lines if "Cannot spool" in l], d.output
        assert [l for l in d.lines if "cannot drop the oldest" in l], d.output
        d.stop()


def test_a_failed_attempt_to_the_old_endpoint_does_not_pause_the_new_one(make_daemon, collector):
    with Collector() as new:
        collector.default = Reply(503, delay=2.0)
        d = make_daemon(config_text(collector.url, transport={"RetryMinSec": "30s", "RetryMaxSec": "60s"})).start()
        collector.wait_for(1, timeout=10)
        d.write_config(config_text(new.url, transport={"RetryMinSec": "30s", "RetryMaxSec": "60s"}))
        mark = d.reload()
        # The old collector's 503 arrives after the reload: the new endpoint gets both reports at once.
        new.wait_for(2, timeout=8)
        after = d.lines[mark:]
        assert not [l for l in after if "unreachable" in l], "\n".join(after)
        assert [l for l in after if collector.url in l and "reload" in l], "the old endpoint's result names it"
        d.stop()


def test_a_reload_that_keeps_the_endpoint_keeps_the_collectors_retry_after(make_daemon, collector):
    collector.script(Reply(503, retry_after=4))
    d = make_daemon(config_text(collector.url)).start()
    first = collector.wait_for(1, timeout=10)[0]
    d.wait_for_event(result="retrying", timeout=10)   # the 503 and its Retry-After were taken in
    d.write_config(config_text(collector.url, transport={"TimeoutSec": "7s", "Compress": "no"}))
    d.reload()
    d.wait_for(r"[Rr]eload", timeout=5)
    reqs = collector.wait_for(3, timeout=10)
    gap = reqs[1].received_at - first.received_at
    assert gap >= 3.5, f"the next attempt came {gap:.2f}s after Retry-After: 4 (a reload reset it)"
    d.stop()
