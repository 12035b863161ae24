"""The dashboard page (`GET /`) in a real browser: Debian's headless Chromium loads it from the real collector
(SQLite, a synthetic fleet imported with `telemetry-collector import`, plus one report with hostile strings),
dumps the DOM and takes a screenshot (kept in tests/integration/artifacts/dashboard.png). The DOM must hold every
chart, the API's numbers as text, and the hostile strings as text only: no element or attribute of theirs.

The fleet's diagnostics reports carry product facts (a boolean, an enum, a number) and counters, and a quarter of
the installs report as a second product: the page's Features and Usage sections, the product picker and the
per-version tables are checked against the API, /metrics (prometheus_client) and what the reports said.

The Version adoption, Lifecycle and Retention sections, the established toggle and the CSV link under every table
and chart are checked for structure and against the API (test_adoption_lifecycle_and_csv_in_headless_chromium); the
numbers only the stores can give them (established installs, adoption, lifecycle, cohorts of a real fleet) are in
test_issue_18_answers_have_numbers, expected to fail until the stores compute them."""
from __future__ import annotations

import csv
import html.parser
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import HERE, ROOT
from test_collector_postgres import CollectorProcess

sys.path.insert(0, str(ROOT / "scripts" / "bench"))
import fleet  # noqa: E402

ARTIFACTS = HERE / "artifacts"
HOSTILE_VERSION = "<script>alert(1)</script>"
HOSTILE_OS = '"><img src=x onerror=alert(2)>'
HOSTILE_ENUM = '"><b>enum</b>'
# A spreadsheet would run it as a formula: the CSVs must guard it (a leading ').
HOSTILE_ARCH = "=1+2"
CHARTS = ["active", "new-lost", "versions", "os", "arch", "virtualization", "container", "cores", "memory", "clusters"]
SECOND_PRODUCT = "beta-tool"
COUNTERS = ("backupsRun", "queriesServed")


def counters_of(instance_id: str, day: str) -> dict[str, int]:
    """What an install's diagnostics report of `day` says its counters grew by: backupsRun is 0 for a quarter of
    the installs (they do not use it), queriesServed always grows."""
    seed = int(instance_id[:8], 16) + sum(map(ord, day))
    return {"backupsRun": int(instance_id[:2], 16) % 4, "queriesServed": 100 + seed % 5000}


def percent(n: int, total: int) -> str:
    """As the page prints a share: one decimal, rounded half up."""
    if total <= 0:
        return "0%"
    tenths = (n * 1000 + total // 2) // total
    return f"{tenths // 10}.{tenths % 10}%"


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


class DOM(html.parser.HTMLParser):
    """Elements (tag, attributes, the text directly inside) of a DOM dump."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self.stack: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        e = {"tag": tag, "attrs": dict(attrs), "text": "", "parents": [p["attrs"].get("id") for p in self.stack]}
        self.elements.append(e)
        if tag not in ("meta", "link", "br", "img", "input", "hr"):
            self.stack.append(e)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        if self.stack:
            self.stack[-1]["text"] += data

    def find(self, tag=None, **attrs) -> list[dict]:
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e["attrs"].get(k) == v for k, v in attrs.items())]

    def texts_inside(self, element_id: str, tag: str) -> list[str]:
        return [e["text"] for e in self.elements if e["tag"] == tag and element_id in e["parents"]]

    def table_rows(self, table_id: str) -> list[list[dict]]:
        """The body rows of a table, each a list of its cells (`td`): their attributes and whole text (the text of
        the elements inside a cell, a link's, appended to the cell's)."""
        rows: list[list[dict]] = []
        cell = None
        for e in self.elements:
            if table_id not in e["parents"]:
                continue
            if e["tag"] == "tr":
                rows.append([])
                cell = None
            elif e["tag"] == "th":
                cell = None
            elif e["tag"] == "td" and rows:
                cell = {"attrs": e["attrs"], "text": e["text"]}
                rows[-1].append(cell)
            elif cell is not None:
                cell["text"] += e["text"]
        return [r for r in rows if r]


@pytest.fixture
def filled_collector(tmp_path):
    lines = tmp_path / "fleet.jsonl"
    reports = list(fleet.Fleet(installs=60, days=30, seed=11).reports())
    for r in reports:
        if r["instanceId"][0] in "0123":
            r["product"]["name"] = SECOND_PRODUCT
        if r["type"] == "diagnostics":
            r["data"]["counters"] = counters_of(r["instanceId"], r["timestamp"][:10])
            r["data"]["countersSinceSec"] = 3 * 86_400
    hostile = json.loads(json.dumps(next(r for r in reversed(reports) if r["type"] == "diagnostics")))
    hostile["messageId"] = "0badc0de-0000-4000-8000-000000000001"
    hostile["instanceId"] = "0badc0de-0000-4000-8000-000000000002"
    hostile["product"] = {"name": fleet.PRODUCT, "version": HOSTILE_VERSION}
    hostile["data"]["os"]["id"] = HOSTILE_OS
    hostile["data"]["os"]["arch"] = HOSTILE_ARCH
    hostile["data"]["facts"]["edition"] = HOSTILE_ENUM
    reports.append(hostile)
    lines.write_text("".join(json.dumps(r) + "\n" for r in reports))
    c_reports.clear()
    c_reports.extend(reports)
    c = CollectorProcess(tmp_path / "collector", {"Database": f"sqlite://{tmp_path / 'reports.db'}"})
    r = subprocess.run([str(c_bin()), "import", str(lines), "--config", str(c.conf)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    c.start()
    yield c
    c.stop()


# The reports the collector was filled with (the fixture's), for the tests to count what they said.
c_reports: list[dict] = []


def c_bin() -> pathlib.Path:
    from test_collector_postgres import COLLECTOR_BIN
    return COLLECTOR_BIN


def _run_chromium(*args: str) -> subprocess.CompletedProcess:
    browser = chromium()
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", f"--user-data-dir={ARTIFACTS / '.chromium-profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (scripts/install-deps --test installs it)")
def test_the_dashboard_in_headless_chromium(filled_collector):
    c = filled_collector
    summary = c.summary(days=30)
    last = summary["days"][-1]
    ARTIFACTS.mkdir(exist_ok=True)
    url = c.url + "/?days=30"

    # The page is served with a strict Content-Security-Policy, and renders under it: the browser refuses nothing
    # (it logs each refused style or resource on the console, which --enable-logging sends to stderr).
    status, headers, _ = c.get("/?days=30")
    assert status == 200 and "default-src 'none'" in headers["Content-Security-Policy"], headers
    dump = _run_chromium("--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert dump.returncode == 0, dump.stderr[-2000:]
    assert "Content Security Policy" not in dump.stderr, dump.stderr[-3000:]
    dom = DOM(dump.stdout)

    # Every chart is there, as an SVG with its label for screen readers.
    for chart in CHARTS:
        assert dom.find("figure", id=f"chart-{chart}"), f"no chart-{chart}"
        svg = dom.find("svg", id=f"svg-{chart}")
        assert svg and svg[0]["attrs"].get("role") == "img" and svg[0]["attrs"].get("aria-label")
    # The numbers are the API's, as text.
    title = dom.find("title")[0]["text"]
    assert title == f"telemetry-collector: {summary['activeInstalls']:,} active installs"
    tile = dom.texts_inside("tile-active", "div")
    assert f"{summary['activeInstalls']:,}" in tile
    day_rows = [e for e in dom.elements if e["tag"] == "tr" and "table-days" in e["parents"]]
    assert len(day_rows) == 1 + len(summary["days"])  # the header row, then one per day
    first_cells = dom.texts_inside("table-days", "td")[:4]
    assert first_cells == [last["date"], f"{last['activeInstalls']:,}", f"{last['newInstalls']:,}",
                           f"{last['lostInstalls']:,}"]
    arch_labels = [t for t in dom.texts_inside("svg-arch", "text") if t in last["byArch"]]
    assert sorted(arch_labels) == sorted(last["byArch"])
    values = dom.texts_inside("svg-arch", "text")
    for arch, n in last["byArch"].items():
        assert any(v.startswith(f"{n:,} ") for v in values), (arch, n, values)
    versions = [e["text"] for e in dom.elements if e["tag"] == "li" and "chart-versions" in e["parents"]]
    assert any(v.startswith(HOSTILE_VERSION) for v in versions), versions

    # Hostile strings from reports stay text: no script element, no img, no event handler anywhere.
    assert not dom.find("script")
    assert not dom.find("img")
    assert not any(k.startswith("on") for e in dom.elements for k in e["attrs"])
    os_labels = dom.texts_inside("svg-os", "text")
    assert any(t.startswith(HOSTILE_OS[:10]) for t in os_labels), os_labels
    assert all(e["text"] != "enum" for e in dom.find("b"))

    # The Features and Usage sections are there, each with its heading (and, while no store counts facts and
    # counters, their empty states: test_features_and_usage_in_headless_chromium checks their numbers).
    for part, title in (("features", "Features"), ("usage", "Usage")):
        assert dom.find("section", id=part), f"no section {part}"
        assert [e["text"] for e in dom.find("h2", id=f"{part}-title")] == [title]
    assert "products" in summary

    # The whole page, Features and Usage included.
    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    r = _run_chromium("--window-size=1280,5600", f"--screenshot={shot}", url)
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) empty"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (scripts/install-deps --test installs it)")
def test_features_and_usage_in_headless_chromium(filled_collector):
    c = filled_collector
    summary = c.summary(days=30)
    last = summary["days"][-1]
    today = last["date"]
    active = last["activeInstalls"]

    # What the reports said: counters are counted on the day they arrive (import: the report's own timestamp).
    todays = [r for r in c_reports if r["timestamp"][:10] == today]
    sums: dict[str, dict[str, int]] = {k: {} for k in COUNTERS}
    for r in todays:
        for k, n in (r["data"].get("counters") or {}).items():
            sums[k][r["instanceId"]] = sums[k].get(r["instanceId"], 0) + n
    second = {r["instanceId"] for r in todays if r["product"]["name"] == SECOND_PRODUCT}
    assert second and len(second) < active

    # The API counts them as the reports said.
    assert summary["products"] == sorted([fleet.PRODUCT, SECOND_PRODUCT])
    assert {k: last["facts"][k]["kind"] for k in ("tlsEnabled", "edition", "clusterNodes")} == \
        {"tlsEnabled": "boolean", "edition": "enum", "clusterNodes": "number"}
    for k in COUNTERS:
        assert last["counters"][k]["increments"] == sum(sums[k].values()), k
        assert last["counters"][k]["installs"] == sum(1 for n in sums[k].values() if n > 0), k

    dump = _run_chromium("--dump-dom", c.url + "/?days=30")
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = DOM(dump.stdout)

    # Features: the boolean's share on, today, as text; the enum's mix (the hostile value as text); the percentiles.
    tls = last["facts"]["tlsEnabled"]
    assert dom.texts_inside("boolean-tlsEnabled", "td")[:4] == [
        "tlsEnabled", percent(tls["true"], tls["installs"]), f"{tls['true']:,}", f"{tls['installs']:,}"]
    assert dom.find("svg", id="svg-boolean-tlsEnabled")
    edition = dom.texts_inside("svg-enum-edition", "text")
    for value, n in last["facts"]["edition"]["values"].items():
        assert any(t.startswith(f"{n:,} ") for t in edition), (value, n, edition)
    assert any(t.startswith(HOSTILE_ENUM + ": ") for t in dom.texts_inside("svg-enum-edition", "title"))
    nodes = last["facts"]["clusterNodes"]
    assert dom.texts_inside("number-clusterNodes", "td")[:3] == ["clusterNodes", f"{nodes['installs']:,}", f"{nodes['zero']:,}"]

    # Usage: each counter's increments today, the installs using it and their share of the active installs.
    for k in COUNTERS:
        used = last["counters"][k]
        assert dom.texts_inside(f"counter-{k}", "td")[:4] == [
            k, f"{used['increments']:,}", f"{used['installs']:,}", percent(used["installs"], active)], k
        assert dom.find("svg", id=f"svg-counter-{k}"), k

    # Per product version: a column per common version, each a link narrowing the page to it.
    heads = [e for e in dom.elements if e["tag"] == "a" and "table-booleans-by-version" in e["parents"]]
    assert len(heads) >= 2 and all("version=" in e["attrs"]["href"] for e in heads)
    assert dom.find("table", id="table-counters-by-version")

    # The product picker, and the page narrowed to the second product: its own installs only.
    picks = {e["text"]: e["attrs"]["href"] for e in dom.elements if e["tag"] == "a" and "pick-product" in e["parents"]}
    assert picks[SECOND_PRODUCT] == f"?days=30&product={SECOND_PRODUCT}"
    narrowed = json.loads(c.get(f"/api/v1/summary?days=30&product={SECOND_PRODUCT}")[2])
    assert narrowed["activeInstalls"] == len(second)
    status, _, page = c.get(f"/?days=30&product={SECOND_PRODUCT}")
    assert status == 200
    title = DOM(page.decode()).find("title")[0]["text"]
    assert title == f"telemetry-collector: {len(second):,} active installs of {SECOND_PRODUCT}"

    # /metrics agrees: every install under its own product, facts and counters of today.
    samples = {}
    status, _, body = c.get("/metrics")
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    beta = sum(v for (n, labels), v in samples.items()
               if n == "telemetry_active_installs" and dict(labels)["product"] == SECOND_PRODUCT)
    assert beta == len(second)
    assert samples[("telemetry_fact_installs", (("fact", "tlsEnabled"), ("value", "true")))] == tls["true"]
    for k in COUNTERS:
        assert samples[("telemetry_counter_increments", (("counter", k),))] == last["counters"][k]["increments"]


# The CSVs the page links, and their header rows (SummaryCSV.Table.columns).
CSV_COLUMNS = {
    "summary": ["date", "active", "established", "new", "lost", "returning", "resurrected"],
    "breakdowns": ["date", "dimension", "value", "installs"],
    "versions": ["date", "version", "installs", "share"],
    "facts": ["date", "fact", "kind", "value", "installs", "zero", "p5", "p50", "p95"],
    "counters": ["date", "counter", "increments", "installs", "p50", "p95"],
    "adoption": ["version", "firstSeen", "installs", "share", "daysTo10", "daysTo50", "daysTo90"],
    "cutoffs": ["percent", "version"],
    "retention": ["week", "installs", "weeksLater", "activeShare"],
    "clusters": ["size", "clusters"],
}


def csv_rows(c, href: str) -> tuple[str, list[dict]]:
    """The CSV a page link points to (relative to the page at /), parsed: its name and its rows as dicts."""
    status, headers, body = c.get("/" + href)
    assert status == 200, (href, status, body[:200])
    assert {k.lower(): v for k, v in headers.items()}["content-type"] == "text/csv; charset=utf-8", headers
    name = href.split("?")[0].removeprefix("api/v1/").removesuffix(".csv")
    text = body.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "RFC 4180 lines end with CRLF"
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert header == CSV_COLUMNS[name], (name, header)
    return name, [dict(zip(header, row, strict=True)) for row in reader]


@pytest.mark.skipif(chromium() is None, reason="chromium is not installed (scripts/install-deps --test installs it)")
def test_adoption_lifecycle_and_csv_in_headless_chromium(filled_collector):
    c = filled_collector
    summary = c.summary(days=30)
    days = summary["days"]
    last = days[-1]
    dump = _run_chromium("--enable-logging=stderr", "--v=0", "--dump-dom", c.url + "/?days=30")
    assert dump.returncode == 0, dump.stderr[-2000:]
    assert "Content Security Policy" not in dump.stderr, dump.stderr[-3000:]
    dom = DOM(dump.stdout)

    # Active and established side by side in the headline, as the API says; the toggle keeps the days.
    assert dom.texts_inside("tile-established", "div")[:2] == ["Established installs", f"{summary['establishedInstalls']:,}"]
    assert dom.texts_inside("tile-active", "div")[:2] == ["Active installs", f"{summary['activeInstalls']:,}"]
    toggle = {e["attrs"]["id"]: e["attrs"]["href"] for e in dom.find("a") if "pick-installs" in e["parents"]}
    assert toggle == {"installs-active": "?days=30", "installs-established": "?days=30&established=1"}

    # The sections and their charts, with labels for screen readers.
    for part, title in (("adoption", "Version adoption"), ("lifecycle", "Lifecycle")):
        assert [e["text"] for e in dom.find("h2", id=f"{part}-title")] == [title]
    for chart in ("version-shares", "lifecycle"):
        svg = dom.find("svg", id=f"svg-{chart}")
        assert svg and svg[0]["attrs"].get("role") == "img" and svg[0]["attrs"].get("aria-label"), chart
    # The lifecycle's tooltips carry every day's numbers: the API's lifecycle (zeros for a day it has none).
    lifecycle = {d["date"]: d for d in summary["lifecycle"]}
    tips = dom.texts_inside("svg-lifecycle", "title")
    assert len(tips) == len(days)
    l_last = lifecycle.get(last["date"], {"new": 0, "returning": 0, "resurrected": 0, "lost": 0})
    assert tips[-1] == (f"{last['date']}: {l_last['new']:,} new, {l_last['returning']:,} returning, "
                        f"{l_last['resurrected']:,} resurrected, {l_last['lost']:,} lost")
    # The versions' shares: each day's tooltip names the day; the last day's shares are the API's.
    shares = dom.texts_inside("svg-version-shares", "title")
    assert shares[-1].startswith(last["date"] + ": ")
    # The adoption table (or its empty state) and the cohort table (or its empty state), as the API has them.
    if summary["adoption"]["versions"]:
        rows = [e for e in dom.elements if e["tag"] == "tr" and "table-adoption" in e["parents"]]
        assert len(rows) == 1 + min(100, len(summary["adoption"]["versions"]))
        assert [e["text"] for e in dom.elements if e["tag"] == "a" and "cutoffs" not in e["parents"]
                and e["attrs"].get("class") == "version" and "table-adoption" in e["parents"]][:1] == \
            [summary["adoption"]["versions"][0]["version"]]
    else:
        assert dom.find("p", id="adoption-empty")
    if summary["retention"]:
        assert dom.find("table", id="table-retention")
        cells = [e for e in dom.elements if e["tag"] == "td" and "table-retention" in e["parents"]
                 and "heat" in e["attrs"].get("class", "")]
        assert all(t["attrs"]["class"].split()[1].startswith("heat-") for t in cells)
    else:
        assert dom.find("p", id="retention-empty")

    # A CSV link under every table and chart; each downloads and parses, with the page's query, and says what the
    # API says.
    links = [e for e in dom.find("a") if e["attrs"].get("class") == "csv"]
    for figure in ("active", "new-lost", "versions", "os", "arch", "clusters", "version-shares", "lifecycle", "retention"):
        assert any(f"chart-{figure}" in e["parents"] for e in links), f"no CSV link under chart-{figure}"
    hrefs = sorted({e["attrs"]["href"] for e in links})
    assert all(h.startswith("api/v1/") and h.endswith(".csv?days=30") for h in hrefs), hrefs
    tables = dict(csv_rows(c, h) for h in hrefs)
    assert {"summary", "breakdowns", "versions", "facts", "counters", "retention", "clusters"} <= set(tables)

    per_day = tables["summary"]
    assert [r["date"] for r in per_day] == [d["date"] for d in days]
    for r, d in zip(per_day, days):
        assert (int(r["active"]), int(r["established"]), int(r["new"]), int(r["lost"])) == \
            (d["activeInstalls"], d["establishedInstalls"], d["newInstalls"], d["lostInstalls"]), r
        lc = lifecycle.get(d["date"], {"returning": 0, "resurrected": 0})
        assert (int(r["returning"]), int(r["resurrected"])) == (lc["returning"], lc["resurrected"])
    # Long format: every breakdown of every day adds up to the day's active installs; the versions' shares to 1.
    for d in days:
        for dim in ("productVersion", "os", "arch", "cores", "memory"):
            n = sum(int(r["installs"]) for r in tables["breakdowns"] if r["date"] == d["date"] and r["dimension"] == dim)
            assert n == d["activeInstalls"], (d["date"], dim)
        if d["activeInstalls"]:
            assert abs(sum(float(r["share"]) for r in tables["versions"] if r["date"] == d["date"]) - 1) < 1e-9
    # The hostile strings are in the CSVs as text, the formula guarded: no cell a spreadsheet would run starts with
    # = + or @ (a - starts no cell here: no count is negative).
    values = {r["value"] for r in tables["breakdowns"]}
    assert HOSTILE_VERSION in {r["version"] for r in tables["versions"]}
    assert any(v.startswith(HOSTILE_OS) for v in values)
    assert "'" + HOSTILE_ARCH in values and HOSTILE_ARCH in last["byArch"]
    for rows in tables.values():
        for r in rows:
            assert not any(v[:1] in "=+@" and v for v in r.values()), r
    # Facts and counters of the last day as the API has them.
    for k in COUNTERS:
        row = next(r for r in tables["counters"] if r["date"] == last["date"] and r["counter"] == k)
        assert (int(row["increments"]), int(row["installs"])) == (last["counters"][k]["increments"], last["counters"][k]["installs"])
    tls = last["facts"]["tlsEnabled"]
    on = next(r for r in tables["facts"] if r["date"] == last["date"] and r["fact"] == "tlsEnabled" and r["value"] == "true")
    assert int(on["installs"]) == tls["true"]
    assert len(tables["clusters"]) == len(summary["clusters"]["bySize"])
    # Linked only when the page has an adoption table; served always.
    for name in ("adoption", "cutoffs"):
        tables.setdefault(name, csv_rows(c, f"api/v1/{name}.csv?days=30")[1])
    assert len(tables["adoption"]) == len(summary["adoption"]["versions"])
    assert {r["percent"]: r["version"] for r in tables["cutoffs"]} == summary["adoption"]["cutoffs"]
    assert len(tables["retention"]) == sum(len(x["active"]) for x in summary["retention"])

    # established=1: the CSV, the JSON and the page narrowed to established installs, all agreeing.
    narrowed = json.loads(c.get("/api/v1/summary?days=30&established=1")[2])
    _, rows = csv_rows(c, "api/v1/summary.csv?days=30&established=1")
    assert [int(r["active"]) for r in rows] == [d["activeInstalls"] for d in narrowed["days"]]
    assert c.get("/api/v1/summary.csv?established=yes")[0] == 400

    # /metrics: the established and lifecycle gauges of today, as the API has them.
    samples = {}
    for family in text_string_to_metric_families(c.get("/metrics")[2].decode()):
        for sample in family.samples:
            samples[sample.name] = sample.value
    assert samples["telemetry_established_installs"] == last["establishedInstalls"]
    assert samples["telemetry_returning_installs"] == l_last["returning"]


# The numbers only the stores can give (established installs, adoption, lifecycle, retention), on the page and in CSV.
def test_issue_18_answers_have_numbers(filled_collector):
    c = filled_collector
    summary = c.summary(days=30)
    last = summary["days"][-1]
    # the fleet's installs report daily for weeks, so most of today's are established.
    assert 0 < summary["establishedInstalls"] <= summary["activeInstalls"]
    assert last["establishedInstalls"] == summary["establishedInstalls"]
    # every version of the fleet has a row, and the cut-offs name versions it reported.
    versions = {v for d in summary["days"] for v in d["byProductVersion"]}
    assert summary["adoption"]["versions"] and {v["version"] for v in summary["adoption"]["versions"]} <= versions
    assert set(summary["adoption"]["cutoffs"]) == {"50", "75", "90", "95"}
    # a lifecycle day per day, returning installs most days; cohorts of the weeks installs began.
    assert len(summary["lifecycle"]) == len(summary["days"])
    assert sum(d["returning"] for d in summary["lifecycle"]) > 0
    assert summary["retention"] and all(x["installs"] > 0 for x in summary["retention"])
    # the page shows them: the cut-offs and the adoption table, a coloured cohort table.
    status, _, page = c.get("/?days=30")
    dom = DOM(page.decode())
    assert dom.find("ul", id="cutoffs") and dom.find("table", id="table-adoption") and dom.find("table", id="table-retention")
    _, rows = csv_rows(c, "api/v1/adoption.csv?days=30")
    assert [r["version"] for r in rows] == [v["version"] for v in summary["adoption"]["versions"]]
