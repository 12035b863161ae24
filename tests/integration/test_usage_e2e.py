"""Facts and counters end to end, as issue 17 is shown: three real telemetryd daemons, each with its own state, config,
a real facts file and a facts schema (booleans, an enum, a number, two counters), product acme-db in two versions; a
test "product" per daemon advances its counters between the daemons' diagnostics reports (one a second), which go
through the daemons' real transport to the real telemetry-collector on 127.0.0.1, on SQLite and on PostgreSQL. Once
every increment has left and the daemons are stopped, `summary --json` (unfiltered, `--product`, `--version`),
`GET /api/v1/summary` and `/metrics` must all show what the products counted after each daemon's baseline (the first
total telemetryd sees is a baseline only, never sent) and the facts the products declared; so must the page's Features
and Usage sections in headless Chromium, when it is installed. Bounded: about 5-10 s a store (40 s at most for the
exchange).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import time
import urllib.parse

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import config_text, wait_until
from test_collector_dashboard import DOM, chromium, percent

SCHEMA = {"facts": {
    "tlsEnabled": {"type": "boolean"},
    "edition": {"type": "string", "enum": ["oss", "enterprise"]},
    "clusterNodes": {"type": "integer", "minimum": 0},
    "jobsRun": {"type": "counter"},
    "exportsMade": {"type": "counter"},
}}
PRODUCT = "acme-db"
# Per install: version, facts, and how much each counter grows a round (exportsMade does not grow on install 1).
INSTALLS = [
    ("4.2.1", {"tlsEnabled": True, "edition": "oss", "clusterNodes": 3}, {"jobsRun": 7, "exportsMade": 2}),
    ("4.2.1", {"tlsEnabled": False, "edition": "enterprise", "clusterNodes": 0}, {"jobsRun": 11, "exportsMade": 0}),
    ("4.3.0", {"tlsEnabled": True, "edition": "oss", "clusterNodes": 5}, {"jobsRun": 5, "exportsMade": 3}),
]
ROUNDS = 3
# What each product counted before telemetry was on: a baseline only, it never leaves the host.
BEFORE_TELEMETRY = {"jobsRun": 1000, "exportsMade": 500}


class Product:
    """The product's side (README's recipe): running totals and facts in one file, written by write-then-rename."""

    def __init__(self, directory, version: str, facts: dict, step: dict):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.facts_path = self.dir / "facts.json"
        self.schema_path = self.dir / "facts.schema.json"
        self.schema_path.write_text(json.dumps(SCHEMA))
        self.version, self.facts, self.step = version, facts, step
        self.totals = dict(BEFORE_TELEMETRY)
        self.write()

    def write(self) -> None:
        tmp = self.dir / ".facts.tmp"
        tmp.write_text(json.dumps({**self.facts, **self.totals}))
        os.chmod(tmp, 0o644)
        os.rename(tmp, self.facts_path)

    def count(self) -> None:
        for k, n in self.step.items():
            self.totals[k] += n
        self.write()

    def config(self) -> str:
        return (f"\n[Product]\nName={PRODUCT}\nVersion={self.version}\nFactsFile={self.facts_path}\n"
                f"FactsSchema={self.schema_path}\n")


def ledger(d) -> dict:
    try:
        return json.loads((d.state_dir / "counters.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def nearest_rank(values: list[int], pct: int) -> int:
    ranked = sorted(values)
    return ranked[max(1, math.ceil(pct / 100 * len(ranked))) - 1]


def expected(products: list[Product]) -> dict:
    """What the collector must show for today over `products`: counters after the baselines, and the facts."""
    counters = {}
    for k in BEFORE_TELEMETRY:
        sums = [p.totals[k] - BEFORE_TELEMETRY[k] for p in products]
        grew = [n for n in sums if n > 0]
        if grew:
            counters[k] = {"increments": sum(grew), "installs": len(grew),
                           "p50": nearest_rank(grew, 50), "p95": nearest_rank(grew, 95)}
    editions = {}
    for p in products:
        editions[p.facts["edition"]] = editions.get(p.facts["edition"], 0) + 1
    return {
        "counters": counters,
        "tlsEnabled": {"installs": len(products), "true": sum(p.facts["tlsEnabled"] for p in products)},
        "edition": editions,
        "clusterNodes": {"installs": len(products), "zero": sum(p.facts["clusterNodes"] == 0 for p in products)},
    }


def today(summary: dict) -> dict:
    """The last day of a summary (today, UTC): the one the daemons reported on."""
    return summary["days"][-1]


def check_day(day: dict, want: dict, where: str) -> None:
    assert day["counters"] == want["counters"], f"{where}: counters {day['counters']} != {want['counters']}"
    facts = day["facts"]
    assert set(facts) == {"tlsEnabled", "edition", "clusterNodes"}, f"{where}: facts {facts} (a counter is no fact)"
    assert facts["tlsEnabled"]["kind"] == "boolean"
    assert {k: facts["tlsEnabled"][k] for k in ("installs", "true")} == want["tlsEnabled"], f"{where}: {facts}"
    assert facts["edition"]["kind"] == "enum" and facts["edition"]["values"] == want["edition"], f"{where}: {facts}"
    assert facts["clusterNodes"]["kind"] == "number"
    assert {k: facts["clusterNodes"][k] for k in ("installs", "zero")} == want["clusterNodes"], f"{where}: {facts}"


def metrics_of_today(text: str) -> dict:
    """The facts and counters gauges of /metrics, keyed by (name, labels as a sorted tuple)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.startswith(("telemetry_fact_", "telemetry_counter_")):
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def expected_metrics(want: dict) -> dict:
    out = {}
    for k, v in want["counters"].items():
        out[("telemetry_counter_increments", (("counter", k),))] = v["increments"]
        out[("telemetry_counter_installs", (("counter", k),))] = v["installs"]
    tls = want["tlsEnabled"]
    out[("telemetry_fact_installs", (("fact", "tlsEnabled"), ("value", "true")))] = tls["true"]
    out[("telemetry_fact_installs", (("fact", "tlsEnabled"), ("value", "false")))] = tls["installs"] - tls["true"]
    for value, n in want["edition"].items():
        out[("telemetry_fact_installs", (("fact", "edition"), ("value", value)))] = n
    out[("telemetry_fact_installs", (("fact", "clusterNodes"), ("value", "")))] = want["clusterNodes"]["installs"]
    return out


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_usage_agrees_across_summary_api_and_metrics(store, request, make_collector, make_daemon, tmp_path):
    settings = {"InstanceReportsPerDay": "100000", "NetworkReportsPerMinute": "100000", "ReadCacheSec": "1s"}
    if store == "postgresql":
        settings.update(request.getfixturevalue("postgres").collector_config())
    c = make_collector(settings=settings).start()
    products, daemons = [], []
    for i, (version, facts, step) in enumerate(INSTALLS):
        p = Product(tmp_path / f"product{i}", version, facts, step)
        cfg = config_text(c.endpoint, telemetry={"DiagnosticsIntervalSec": "1s"}) + p.config()
        products.append(p)
        daemons.append(make_daemon(cfg, name=f"d{i}").start())
    deadline = time.monotonic() + 40   # the whole exchange, all daemons together

    # The first total each telemetryd sees is a baseline only.
    for d in daemons:
        wait_until(lambda: ledger(d).get("baselines", {}).get("totals") == BEFORE_TELEMETRY,
                   timeout=max(1, deadline - time.monotonic()), what=f"the first baseline of {d}")
    # The products count between reports: each round waits for every daemon's next queued report.
    for _ in range(ROUNDS):
        marks = [len(d.lines) for d in daemons]
        for p in products:
            p.count()
        for d, mark in zip(daemons, marks):
            d.wait_for(r"Queued diagnostics report", start=mark, timeout=max(1, deadline - time.monotonic()))

    def settled(d, p):
        led = ledger(d)
        return led.get("baselines", {}).get("totals") == p.totals and not led.get("pending") and d.spool == []
    for d, p in zip(daemons, products):
        wait_until(lambda: settled(d, p), timeout=max(1, deadline - time.monotonic()),
                   what="the last increments to be delivered")
    for d in daemons:
        d.stop()

    # -- summary --json, unfiltered and filtered
    def cli_summary(*args):
        r = c.cli("summary", "--json", "--days", "1", *args)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)
    everything = cli_summary()
    want = expected(products)
    assert want["counters"]["jobsRun"]["installs"] == 3 and want["counters"]["exportsMade"]["installs"] == 2
    by_version = {v: [p for p in products if p.version == v] for v in ("4.2.1", "4.3.0")}
    assert today(everything)["byProductVersion"] == {"4.2.1": 2, "4.3.0": 1}
    check_day(today(everything), want, "summary --json")
    check_day(today(cli_summary("--product", PRODUCT)), want, f"summary --json --product {PRODUCT}")
    for version, subset in by_version.items():
        s = cli_summary("--product", PRODUCT, "--version", version)
        assert today(s)["activeInstalls"] == len(subset)
        check_day(today(s), expected(subset), f"summary --json --version {version}")
    nobody = today(cli_summary("--product", "no-such-product"))
    assert nobody["activeInstalls"] == 0 and nobody["counters"] == {} and nobody["facts"] == {}, nobody

    # -- GET /api/v1/summary, unfiltered and filtered
    check_day(today(c.get_json("/api/v1/summary?days=1")), want, "GET /api/v1/summary")
    for version, subset in by_version.items():
        q = urllib.parse.urlencode({"days": 1, "product": PRODUCT, "version": version})
        check_day(today(c.get_json(f"/api/v1/summary?{q}")), expected(subset), f"GET /api/v1/summary?{q}")

    # -- /metrics: today's gauges of facts and counters, all products together
    status, _, body = c.get("/metrics")
    assert status == 200
    got = metrics_of_today(body.decode())
    wanted = expected_metrics(want)
    assert {k: v for k, v in got.items() if k[0] != "telemetry_fact_quantile"} == wanted, got
    assert got[("telemetry_fact_quantile", (("fact", "clusterNodes"), ("quantile", "0.5")))] == 3

    # -- the page in headless Chromium: the Features and Usage sections show the same numbers, as text
    if chromium() is None:
        return   # the numbers are proven above; the page's own test skips with the reason
    dump = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-extensions", f"--user-data-dir={tmp_path / 'chromium-profile'}",
                           "--dump-dom", c.url + "/?days=1"], capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = DOM(dump.stdout)
    tls = want["tlsEnabled"]
    assert dom.texts_inside("boolean-tlsEnabled", "td")[:4] == [
        "tlsEnabled", percent(tls["true"], tls["installs"]), f"{tls['true']:,}", f"{tls['installs']:,}"]
    edition = dom.texts_inside("svg-enum-edition", "text")
    for value, n in want["edition"].items():
        assert any(t.startswith(f"{n:,} ") for t in edition), (value, n, edition)
    nodes = want["clusterNodes"]
    assert dom.texts_inside("number-clusterNodes", "td")[:3] == ["clusterNodes", f"{nodes['installs']:,}",
                                                                 f"{nodes['zero']:,}"]
    for k, used in want["counters"].items():
        assert dom.texts_inside(f"counter-{k}", "td")[:4] == [
            k, f"{used['increments']:,}", f"{used['installs']:,}", percent(used["installs"], len(products))], k
