"""The dashboard page (`GET /`) in a real browser: Debian's headless Chromium loads it from the real collector
(SQLite, a synthetic fleet imported with `telemetry-collector import`, plus one report with hostile strings),
dumps the DOM and takes a screenshot (kept in tests/integration/artifacts/dashboard.png). The DOM must hold every
chart, the API's numbers as text, and the hostile strings as text only: no element or attribute of theirs."""
from __future__ import annotations

import html.parser
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import HERE, ROOT
from test_collector_postgres import CollectorProcess

sys.path.insert(0, str(ROOT / "scripts" / "bench"))
import fleet  # noqa: E402

ARTIFACTS = HERE / "artifacts"
HOSTILE_VERSION = "<script>alert(1)</script>"
HOSTILE_OS = '"><img src=x onerror=alert(2)>'
CHARTS = ["active", "new-lost", "versions", "os", "arch", "virtualization", "container", "cores", "memory", "clusters"]


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


@pytest.fixture
def filled_collector(tmp_path):
    lines = tmp_path / "fleet.jsonl"
    reports = list(fleet.Fleet(installs=60, days=30, seed=11).reports())
    hostile = json.loads(json.dumps(next(r for r in reversed(reports) if r["type"] == "diagnostics")))
    hostile["messageId"] = "0badc0de-0000-4000-8000-000000000001"
    hostile["instanceId"] = "0badc0de-0000-4000-8000-000000000002"
    hostile["product"]["version"] = HOSTILE_VERSION
    hostile["data"]["os"]["id"] = HOSTILE_OS
    reports.append(hostile)
    lines.write_text("".join(json.dumps(r) + "\n" for r in reports))
    c = CollectorProcess(tmp_path / "collector", {"Database": f"sqlite://{tmp_path / 'reports.db'}"})
    r = subprocess.run([str(c_bin()), "import", str(lines), "--config", str(c.conf)], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    c.start()
    yield c
    c.stop()


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

    shot = ARTIFACTS / "dashboard.png"
    shot.unlink(missing_ok=True)
    r = _run_chromium("--window-size=1280,2300", f"--screenshot={shot}", url)
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.stat().st_size > 50_000, "the screenshot is (nearly) empty"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
