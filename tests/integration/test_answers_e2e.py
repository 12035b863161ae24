"""Issue 18's answers end to end, with numbers known in advance: a history designed to have them (valid report-v1
bodies from scripts/bench/fleet.py, every day in the past, dated relative to today UTC) is `import`ed into the real
telemetry-collector (SQLite, and PostgreSQL when its binaries are there), which then serves while three real telemetryd
daemons send today's reports through their real transport. Headless Chromium loads the page; its DOM must show the
adoption table, the cut-offs, the lifecycle chart and the cohort table with the numbers below, worked out by hand
from the design (not from the collector's SQL); every CSV the page links must download the same numbers, which are
also the JSON API's. The screenshot is kept in tests/integration/artifacts/answers-STORE.png.

The history (T is today, W the Monday of this ISO week, A = W - 42 and B = W - 35 two cohort weeks, R = T - 20):
  base0..9   first seen T-80, every day to T; 1.0, then 2.0 from R + (0, 1, 3, 5, 6, 7, 8, 9, 12) days (base9 never);
             base9 silent T-7..T-2 (six days: not yet lost), so on T-1 neither returning nor resurrected
  phoenix    first seen T-80, 1.0; silent T-16..T-10 (seven days: counted lost), back from T-9: resurrected on T-9
  goner      first seen T-80, 1.0; last seen T-7: lost on T-7 (seven days without a report by today)
  cohort A   ten installs first seen A+1, 1.5; three report every day to T, seven stop after A+2 (lost on A+2)
  cohort B   two installs first seen B, 1.5, every day to T
  churner    one report, today, 2.0: active but never established
  (today cohort B0 and B1 also count 7 and 5 jobsRun: a counter of 12 increments on 2 installs)
  daemons    three real telemetryd, today, 2.0: new and not established
Active installs: 17 on R..R+3 (T-20..T-17), 16 on T-16..T-10, 17 on T-9 and T-8, 16 on T-7, 15 on T-6..T-2, 16 on
T-1, 20 today. 2.0 runs on 1, 2, 2, 3, 3, 4, 5, 6, 7, 8 installs on R..R+9: 10 % first on R+1 (2 of 17), 50 % first on
R+9 (8 of 16, exactly half; 7 of 16 the day before), never 90 % (13 of 20 today at most). Today: 2.0 on 13, 1.5 on 5,
1.0 on 2 (base9, phoenix).
"""
from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import uuid

import pytest

from conftest import ROOT, config_text, wait_until
from test_collector_dashboard import ARTIFACTS, DOM, _run_chromium, chromium, csv_rows

sys.path.insert(0, str(ROOT / "scripts" / "bench"))
import fleet  # noqa: E402

DAYS = 60   # the page's range: both cohorts, the release and the lost installs are in it; the base installs begin before
DAEMONS = 3
UTC = dt.timezone.utc
# 2.0's upgrades of base0..base8, days after R (base9 never upgrades).
UPGRADE_LAGS = [0, 1, 3, 5, 6, 7, 8, 9, 12]
# A product counter grown today by two installs (the page's Usage section and its CSV): 12 jobs on 2 of 20 installs.
JOBS_RUN_TODAY = {"cohortB0": 7, "cohortB1": 5}


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


class History:
    """The designed history: per install, its version on each day it reports (see the module's docstring)."""

    def __init__(self, today: dt.date):
        self.T = today
        self.W = today - dt.timedelta(days=today.weekday())   # Monday of this ISO week
        self.A = self.W - dt.timedelta(days=42)
        self.B = self.W - dt.timedelta(days=35)
        self.R = today - dt.timedelta(days=20)
        T, d = today, dt.timedelta
        self.installs: dict[str, dict[dt.date, str]] = {}
        for k in range(10):
            upgrade = self.R + d(days=UPGRADE_LAGS[k]) if k < len(UPGRADE_LAGS) else None
            self.installs[f"base{k}"] = {day: "2.0" if upgrade and day >= upgrade else "1.0"
                                         for day in days_between(T - d(days=80), T)}
        for day in days_between(T - d(days=7), T - d(days=2)):
            del self.installs["base9"][day]
        self.installs["phoenix"] = {day: "1.0" for day in days_between(T - d(days=80), T)
                                    if not (T - d(days=16) <= day <= T - d(days=10))}
        self.installs["goner"] = {day: "1.0" for day in days_between(T - d(days=80), T - d(days=7))}
        for k in range(10):
            last = T if k < 3 else self.A + d(days=2)
            self.installs[f"cohortA{k}"] = {day: "1.5" for day in days_between(self.A + d(days=1), last)}
        for k in range(2):
            self.installs[f"cohortB{k}"] = {day: "1.5" for day in days_between(self.B, T)}
        self.installs["churner"] = {T: "2.0"}

    def reports(self) -> list[dict]:
        """One diagnostics report a day per install, at 00:00:10 plus a second per install (the same time every day:
        a day after its first report an install is established), as telemetryd sends them."""
        rng = random.Random(18)
        f = fleet.Fleet(installs=0, days=1, seed=18)
        out = []
        for n, (name, days) in enumerate(self.installs.items()):
            first = min(days)
            inst = fleet.Install(instance_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                 cluster_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), first_day=0, last_day=0,
                                 os=fleet.OSES[0][:4], arch="x86_64", virt="kvm", container="none", cores=4,
                                 memory_gib=8, cpu_model=fleet.CPU_MODELS["x86_64"][0], upgrade_lag=0)
            for day, version in sorted(days.items()):
                when = dt.datetime(day.year, day.month, day.day, tzinfo=UTC) + dt.timedelta(seconds=10 + n)
                r = f.report(inst, (day - first).days, when, True)
                r["product"]["version"] = version
                # The fleet's own counters stay out: only the designed ones below.
                r["data"]["counters"], r["data"]["countersSinceSec"] = None, None
                if day == self.T and name in JOBS_RUN_TODAY:
                    r["data"]["counters"] = {"jobsRun": JOBS_RUN_TODAY[name]}
                    r["data"]["countersSinceSec"] = 86_400
                out.append(r)
        return out


def wait_past_midnight_margin() -> dt.date:
    """Today (UTC), once today's history reports (00:00:10 to 00:01:10) are in the past."""
    now = dt.datetime.now(UTC)
    margin = dt.datetime(now.year, now.month, now.day, tzinfo=UTC) + dt.timedelta(seconds=120)
    if now < margin:
        time.sleep((margin - now).total_seconds())
    return dt.datetime.now(UTC).date()


def iso(day: dt.date) -> str:
    return day.isoformat()


def week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_known_answers_on_the_page_in_csv_and_api(store, request, make_collector, make_daemon, tmp_path):
    T = wait_past_midnight_margin()
    h = History(T)
    d = dt.timedelta
    settings = {"InstanceReportsPerDay": "100000", "NetworkReportsPerMinute": "100000", "ReadCacheSec": "1s"}
    if store == "postgresql":
        settings.update(request.getfixturevalue("postgres").collector_config())
    c = make_collector(settings=settings)

    # -- the history, imported; then the collector serves and three real daemons report today
    lines = tmp_path / "history.jsonl"
    reports = h.reports()
    lines.write_text("".join(json.dumps(r) + "\n" for r in reports))
    r = c.cli("import", str(lines), timeout=300)
    assert r.returncode == 0, r.stderr.decode()
    c.start()
    for i in range(DAEMONS):
        cfg = config_text(c.endpoint) + f"\n[Product]\nName={fleet.PRODUCT}\nVersion=2.0\n"
        make_daemon(cfg, name=f"d{i}").start()
    wait_until(lambda: c.get_json("/api/v1/summary?days=1")["activeInstalls"] == 20, timeout=30,
               what="the three daemons' reports to arrive (17 installs of the history today, 20 with them)")

    summary = c.get_json(f"/api/v1/summary?days={DAYS}")
    days = {x["date"]: x for x in summary["days"]}
    assert summary["days"][-1]["date"] == iso(T), "the test ran across midnight UTC: run it again"

    # -- the answers, as designed, in the JSON API
    assert (summary["activeInstalls"], summary["establishedInstalls"]) == (20, 16)
    adoption = [(v["version"], v["firstSeen"], v["installs"], v.get("daysTo10"), v.get("daysTo50"), v.get("daysTo90"))
                for v in summary["adoption"]["versions"]]
    assert adoption == [("2.0", iso(h.R), 13, 1, 9, None),
                        ("1.5", iso(h.A + d(days=1)), 5, 0, None, None),
                        ("1.0", iso(T - d(days=80)), 2, 0, 0, 0)]
    assert [v["share"] for v in summary["adoption"]["versions"]] == pytest.approx([13 / 20, 5 / 20, 2 / 20])
    assert {k: (v["increments"], v["installs"]) for k, v in summary["days"][-1]["counters"].items()} == {"jobsRun": (12, 2)}
    assert summary["adoption"]["cutoffs"] == {"50": "2.0", "75": "1.5", "90": "1.5", "95": "1.0"}
    # Lifecycle of chosen days: (new, returning, resurrected, lost).
    lifecycle_days = {
        h.A + d(days=1): (10, 12, 0, 0),      # cohort A arrives; base, phoenix and goner were there the day before
        h.A + d(days=2): (0, 22, 0, 7),       # seven of cohort A are last seen
        h.B: (2, 15, 0, 0),
        T - d(days=9): (0, 16, 1, 0),         # phoenix back after seven silent days: it had been counted lost
        T - d(days=7): (0, 16, 0, 1),         # the goner's last day, seven days ago; base9 falls silent
        T - d(days=1): (0, 15, 0, 0),         # base9 back after six silent days: not lost, so not resurrected
        T: (4, 16, 0, 0),                     # the churner and the three daemons are new
    }
    lifecycle = {x["date"]: (x["new"], x["returning"], x["resurrected"], x["lost"]) for x in summary["lifecycle"]}
    for day, want in lifecycle_days.items():
        assert lifecycle[iso(day)] == want, (iso(day), lifecycle[iso(day)], want)
    assert sum(x[3] for x in lifecycle.values()) == 8 and sum(x[2] for x in lifecycle.values()) == 1
    cohorts = {x["week"]: (x["installs"], x["active"]) for x in summary["retention"]}
    assert cohorts == {week(h.A): (10, {"1": 0.3, "2": 0.3, "4": 0.3}),
                       week(h.B): (2, {"1": 1.0, "2": 1.0, "4": 1.0}),
                       week(T): (4, {})}
    # established=1: the churner and the daemons (first report today) are gone from the headline.
    narrowed = c.get_json(f"/api/v1/summary?days={DAYS}&established=1")
    assert (narrowed["activeInstalls"], narrowed["establishedInstalls"]) == (16, 16)

    if chromium() is None:
        pytest.skip("chromium is not installed (scripts/install-deps --test installs it): the API's numbers are proven")

    # -- the page in headless Chromium
    ARTIFACTS.mkdir(exist_ok=True)
    url = c.url + f"/?days={DAYS}"
    dump = _run_chromium("--dump-dom", url)
    assert dump.returncode == 0, dump.stderr[-2000:]
    dom = DOM(dump.stdout)
    assert dom.texts_inside("tile-active", "div")[:2] == ["Active installs", "20"]
    assert dom.texts_inside("tile-established", "div")[:2] == ["Established installs", "16"]
    assert dom.texts_inside("tile-lost", "div")[:2] == ["Lost installs", "8"]

    # The adoption table: version, first seen, installs, share, days to 10 / 50 / 90 %.
    rows = [[cell["text"] for cell in row] for row in dom.table_rows("table-adoption")]
    assert rows == [["2.0", iso(h.R), "13", "65.0%", "1", "9", "not yet"],
                    ["1.5", iso(h.A + d(days=1)), "5", "25.0%", "0", "not yet", "not yet"],
                    ["1.0", iso(T - d(days=80)), "2", "10.0%", "0", "0", "0"]], rows
    # The cut-offs: "P% of active installs run V or newer".
    assert {p: dom.texts_inside(f"cutoff-{p}", "b") for p in (50, 75, 90, 95)} == {
        50: ["50%", "2.0"], 75: ["75%", "1.5"], 90: ["90%", "1.5"], 95: ["95%", "1.0"]}
    # The lifecycle chart's tooltips, one a day.
    tips = {t.split(":", 1)[0]: t for t in dom.texts_inside("svg-lifecycle", "title")}
    assert len(tips) == DAYS
    for day, (new, returning, resurrected, lost) in lifecycle_days.items():
        assert tips[iso(day)] == (f"{iso(day)}: {new} new, {returning} returning, {resurrected} resurrected, "
                                  f"{lost} lost"), tips[iso(day)]
    # The cohort table: week, installs, then 1, 2, 4, 8, 12 weeks later, each share coloured by its value.
    cohort_rows = {row[0]["text"]: row for row in dom.table_rows("table-retention")}
    assert set(cohort_rows) == {week(h.A), week(h.B), week(T)}
    a_row, b_row = cohort_rows[week(h.A)], cohort_rows[week(h.B)]
    assert [x["text"] for x in a_row] == [week(h.A), "10", "30.0%", "30.0%", "30.0%", "–", "–"]
    assert [x["text"] for x in b_row] == [week(h.B), "2", "100.0%", "100.0%", "100.0%", "–", "–"]
    assert [x["text"] for x in cohort_rows[week(T)]] == [week(T), "4", "–", "–", "–", "–", "–"]
    assert a_row[2]["attrs"]["class"] == "heat heat-3" and a_row[2]["attrs"]["title"] == "3 of 10 installs"
    assert b_row[2]["attrs"]["class"] == "heat heat-10"

    # established=1: the page's headline without the churner and the daemons.
    page = _run_chromium("--dump-dom", url + "&established=1")
    assert page.returncode == 0, page.stderr[-2000:]
    established = DOM(page.stdout)
    assert established.texts_inside("tile-active", "div")[:2] == ["Active installs", "16"]
    # ... and its CSV links keep the filter: today's row of its summary.csv has the 16 too.
    narrowed_links = {e["attrs"]["href"] for e in established.find("a") if e["attrs"].get("class") == "csv"}
    assert narrowed_links and all(href.endswith("&established=1") for href in narrowed_links), narrowed_links
    _, narrowed_days = csv_rows(c, next(href for href in narrowed_links if href.startswith("api/v1/summary.csv")))
    assert (narrowed_days[-1]["date"], int(narrowed_days[-1]["active"])) == (iso(T), 16)

    # The Usage section: today's counter, its installs and their share of the active installs.
    assert dom.texts_inside("counter-jobsRun", "td")[:4] == ["jobsRun", "12", "2", "10.0%"]

    # -- every CSV the page links (the hrefs from the DOM), with the page's numbers and the API's
    hrefs = sorted({e["attrs"]["href"] for e in dom.find("a") if e["attrs"].get("class") == "csv"})
    tables = dict(csv_rows(c, href) for href in hrefs)
    assert set(tables) == {"summary", "breakdowns", "versions", "facts", "counters", "adoption", "cutoffs",
                           "retention", "clusters"}, hrefs
    per_day = {x["date"]: x for x in tables["summary"]}
    assert len(per_day) == DAYS
    for day, (new, returning, resurrected, lost) in lifecycle_days.items():
        x = per_day[iso(day)]
        assert (int(x["new"]), int(x["returning"]), int(x["resurrected"]), int(x["lost"])) == \
            (new, returning, resurrected, lost), x
    for date, x in per_day.items():   # and every day as the API says it
        assert (int(x["active"]), int(x["established"]), int(x["new"]), int(x["lost"])) == \
            (days[date]["activeInstalls"], days[date]["establishedInstalls"], days[date]["newInstalls"],
             days[date]["lostInstalls"]), x
        assert (int(x["returning"]), int(x["resurrected"])) == lifecycle[date][1:3]
    assert (int(per_day[iso(T)]["active"]), int(per_day[iso(T)]["established"])) == (20, 16)
    # Established from 24 h after the first report: cohort A's second day is exactly 86,400 s after its first report.
    assert [(int(per_day[iso(day)]["active"]), int(per_day[iso(day)]["established"]))
            for day in (h.A + d(days=1), h.A + d(days=2))] == [(22, 12), (22, 22)]
    assert [[x["version"], x["firstSeen"], x["installs"], x["daysTo10"], x["daysTo50"], x["daysTo90"]]
            for x in tables["adoption"]] == [[*r[:3], *("" if t == "not yet" else t for t in r[4:])] for r in rows]
    assert [float(x["share"]) for x in tables["adoption"]] == pytest.approx([0.65, 0.25, 0.1])
    assert {x["percent"]: x["version"] for x in tables["cutoffs"]} == {"50": "2.0", "75": "1.5", "90": "1.5", "95": "1.0"}
    retention = {(x["week"], x["weeksLater"]): (int(x["installs"]), float(x["activeShare"])) for x in tables["retention"]}
    assert retention == {(week(h.A), w): (10, pytest.approx(0.3)) for w in ("1", "2", "4")} | \
        {(week(h.B), w): (2, 1.0) for w in ("1", "2", "4")}
    todays_versions = {x["version"]: (int(x["installs"]), float(x["share"])) for x in tables["versions"] if x["date"] == iso(T)}
    assert todays_versions == {"2.0": (13, 0.65), "1.5": (5, 0.25), "1.0": (2, 0.1)}
    shares_on_R9 = {x["version"]: int(x["installs"]) for x in tables["versions"] if x["date"] == iso(h.R + d(days=9))}
    assert shares_on_R9 == {"2.0": 8, "1.0": 3, "1.5": 5}   # 8 of 16: the day 2.0 first reached 50 %
    on_R8 = {x["version"]: int(x["installs"]) for x in tables["versions"] if x["date"] == iso(h.R + d(days=8))}
    assert on_R8["2.0"] == 7 and sum(on_R8.values()) == 16   # the day before: 7 of 16, under half
    todays_breakdown = {x["value"]: int(x["installs"]) for x in tables["breakdowns"]
                        if x["date"] == iso(T) and x["dimension"] == "productVersion"}
    assert todays_breakdown == {"2.0": 13, "1.5": 5, "1.0": 2}
    assert [(x["counter"], int(x["increments"]), int(x["installs"])) for x in tables["counters"]] == [("jobsRun", 12, 2)]
    assert all(x["date"] == iso(T) for x in tables["counters"])
    assert {x["size"]: int(x["clusters"]) for x in tables["clusters"]} == \
        {k: v for k, v in summary["clusters"]["bySize"].items()}

    # -- the screenshot, kept as the test's artifact
    shot = ARTIFACTS / f"answers-{store}.png"
    shot.unlink(missing_ok=True)
    r = _run_chromium("--window-size=1280,7000", f"--screenshot={shot}", url)
    assert r.returncode == 0, r.stderr[-2000:]
    assert shot.stat().st_size > 50_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
