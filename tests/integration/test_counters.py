"""Product counters end to end: a test "product" keeps a running total in a real facts file, the real telemetryd turns
it into increments and sends them through its real transport to the real telemetry-collector (SQLite) on 127.0.0.1.

The SIGKILL loop: the daemon makes a diagnostics report every second and is killed with SIGKILL at random points
around them (while it reads the facts, between writing counters.json and the spool, while delivering), over and over,
while the product counts on. At the end the increments the collector stored add up to exactly what the product
counted after the first baseline: none lost, none counted twice. Bounded well under a minute.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import time

from conftest import config_text, wait_until

SCHEMA = {"facts": {"jobsRun": {"type": "counter"}, "edition": {"type": "string", "enum": ["oss", "enterprise"]}}}
# Nothing the product counted before telemetry was on (this much) may ever leave the host.
BEFORE_TELEMETRY = 1000


class Product:
    """The product's side, as README's recipe does it: a running total, written by write-then-rename."""

    def __init__(self, directory):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.facts = self.dir / "facts.json"
        self.schema = self.dir / "facts.schema.json"
        self.schema.write_text(json.dumps(SCHEMA))
        self.total = 0

    def count(self, n: int) -> None:
        self.total += n
        tmp = self.dir / ".facts.tmp"
        tmp.write_text(json.dumps({"jobsRun": self.total, "edition": "oss"}))
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.facts)

    def config(self) -> str:
        return (f"\n[Product]\nName=acme-db\nVersion=4.2.1\nFactsFile={self.facts}\nFactsSchema={self.schema}\n")


def ledger(d) -> dict:
    p = d.state_dir / "counters.json"
    try:
        return json.loads(p.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def stored_diagnostics(c) -> list[dict]:
    """The diagnostics reports the collector stored, from its SQLite `reports.body` (one row per messageId)."""
    db = sqlite3.connect(f"file:{c.db_path}?mode=ro", uri=True, timeout=10)
    try:
        rows = db.execute("SELECT body FROM reports WHERE type = 'diagnostics'").fetchall()
    finally:
        db.close()
    return [json.loads(body) for (body,) in rows]


def test_sigkill_loop_neither_loses_nor_doubles_an_increment(make_collector, make_daemon, tmp_path):
    rng = random.Random(17)
    c = make_collector(settings={"InstanceReportsPerDay": "100000", "NetworkReportsPerMinute": "100000"}).start()
    product = Product(tmp_path / "product")
    product.count(BEFORE_TELEMETRY)
    cfg = config_text(c.endpoint, telemetry={"DiagnosticsIntervalSec": "1s"}) + product.config()
    d = make_daemon(cfg).start()

    # The first total telemetryd sees is a baseline only.
    wait_until(lambda: ledger(d).get("baselines", {}).get("totals", {}).get("jobsRun") == BEFORE_TELEMETRY,
               timeout=15, what="the first baseline in counters.json")
    counted = 0
    kills = 0
    pending_at_kill = 0   # kills that left a report between counters.json and the spool's commit
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and kills < 25:
        n = rng.randint(1, 40)
        product.count(n)
        counted += n
        mark = len(d.lines)
        if rng.random() < 0.5:
            # Right after a diagnostics report was queued: between the spool and the ledger's commit, or just after.
            try:
                d.wait_for(r"Queued diagnostics report", start=mark, timeout=3)
            except AssertionError:
                pass
            time.sleep(rng.choice([0, 0, 0.001, 0.005, 0.02]))
        else:
            # Anywhere in the second around a report: reading the facts, writing counters.json, delivering.
            time.sleep(rng.uniform(0, 1.3))
        d.proc.send_signal(signal.SIGKILL)
        d.wait_exit(timeout=5)
        kills += 1
        if ledger(d).get("pending"):
            pending_at_kill += 1
        if rng.random() < 0.3:
            n = rng.randint(0, 40)   # counting while the daemon is down
            product.count(n)
            counted += n
        d.start()

    # A last count, then a clean run until every increment has left: the ledger's baseline is the product's total,
    # nothing is pending, the spool is empty.
    product.count(7)
    counted += 7

    def settled():
        led = ledger(d)
        return (led.get("baselines", {}).get("totals", {}).get("jobsRun") == product.total
                and not led.get("pending") and d.spool == [])
    wait_until(settled, timeout=20, what="the last increments to be delivered")
    d.stop()

    reports = stored_diagnostics(c)
    with_counters = [r for r in reports if r["data"].get("counters") is not None]
    received = sum(r["data"]["counters"].get("jobsRun", 0) for r in with_counters)
    assert kills >= 10, f"only {kills} kills in the time allowed"
    assert len(with_counters) >= 5, f"too few reports with counters: {len(with_counters)}"
    assert received == counted, (f"the collector received {received} jobs, the product counted {counted} after the "
                                 f"baseline ({kills} kills, {pending_at_kill} between counters.json and the spool's commit, "
                                 f"{len(with_counters)} reports with counters)")
    for r in with_counters:
        assert r["data"]["countersSinceSec"] is not None and r["data"]["countersSinceSec"] >= 0
        assert "jobsRun" not in (r["data"].get("facts") or {}), "a counter is never sent as a fact"
        assert r["data"]["facts"] == {"edition": "oss"}
    assert max(r["data"]["counters"].get("jobsRun", 0) for r in with_counters) < BEFORE_TELEMETRY, \
        "what was counted before telemetry was on left the host"


def test_show_send_and_export_with_counters(make_collector, make_daemon, tmp_path):
    c = make_collector().start()
    product = Product(tmp_path / "product")
    product.count(BEFORE_TELEMETRY)
    d = make_daemon(config_text(c.endpoint) + product.config())

    def show() -> tuple[dict, str]:
        r = d.cli("show", "--type", "diagnostics")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout), r.stderr

    # No baselines yet: show says the first total is a baseline only, and moves nothing.
    report, err = show()
    assert report["data"]["counters"] == {} and report["data"]["countersSinceSec"] == 0
    assert "first totals (baselines only, not sent): jobsRun" in err, err
    assert not (d.state_dir / "counters.json").exists()

    # send carries the first total as a baseline, and moves it once the collector accepted the report.
    r = d.cli("send", "--type", "diagnostics")
    assert r.returncode == 0, r.stderr
    assert ledger(d)["baselines"]["totals"] == {"jobsRun": BEFORE_TELEMETRY}
    product.count(42)
    report, err = show()
    assert report["data"]["counters"] == {"jobsRun": 42}, report["data"]
    assert "nothing is moved by show" in err
    report, _ = show()
    assert report["data"]["counters"] == {"jobsRun": 42}, "show moved the baselines"

    # export carries no counters and moves nothing: the daemon's spooled report carries them instead.
    r = d.cli("export")
    assert r.returncode == 0, r.stderr
    exported = [json.loads(line) for line in r.stdout.splitlines()]
    diag = [x for x in exported if x["type"] == "diagnostics"]
    assert diag and diag[-1]["data"]["counters"] is None and diag[-1]["data"]["countersSinceSec"] is None
    assert ledger(d)["baselines"]["totals"] == {"jobsRun": BEFORE_TELEMETRY}

    # A send the collector refuses moves nothing; one it accepts carries the same increments.
    d.write_config(config_text("http://127.0.0.1:9/v1/reports") + product.config())   # nobody listens
    r = d.cli("send", "--type", "diagnostics")
    assert r.returncode == 1
    assert ledger(d)["baselines"]["totals"] == {"jobsRun": BEFORE_TELEMETRY}, "a refused send moved the baselines"
    assert not ledger(d).get("pending")
    d.write_config(config_text(c.endpoint) + product.config())
    r = d.cli("send", "--type", "diagnostics")
    assert r.returncode == 0, r.stderr
    assert ledger(d)["baselines"]["totals"] == {"jobsRun": BEFORE_TELEMETRY + 42}
    sent = [x for x in stored_diagnostics(c) if x["data"].get("counters")]
    assert [x["data"]["counters"] for x in sent] == [{"jobsRun": 42}]

    # Opt-out forgets the baselines: after it, the first total is a baseline again.
    r = d.cli("disable")
    assert r.returncode == 0, r.stderr
    assert not (d.state_dir / "counters.json").exists()
