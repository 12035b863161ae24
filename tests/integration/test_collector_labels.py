"""Labels are labels, against the real telemetry-collector: a value that looks like another (zero-width space, bidi
override, NUL) is refused with 400 naming the field; a report's own `unknown`/`other` is counted apart from the
collector's; a label longer than the schema allows is refused; MaxDistinctValues= caps every read (summary JSON, the
page, /metrics, `summary`) and a reload changes it; a whitespace-padded body is stored at the size of its compact
form; on PostgreSQL a NUL is the report's fault (400), never an outage.

Every report carries `X-Forwarded-For: 10.0.N.1`, N changing every 100 reports, so per-network rate limits (loopback
being a trusted proxy) never count a test's reports as one flood."""
from __future__ import annotations

import gzip
import json
import re
import sqlite3
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from telemetry_collector import CollectorProcess

# One install per report unless said otherwise; the order of the instance IDs is the order they were made.
_sent = 0


def diagnostics(version: str | None = "4.2.1", instance: str | None = None, **data) -> dict:
    """A diagnostics report valid against report-v1, as telemetryd writes one; `data` replaces fields of `data`."""
    r = {
        "schemaVersion": 1, "messageId": str(uuid.uuid4()), "type": "diagnostics",
        "timestamp": "2026-12-01T06:00:00Z", "instanceId": instance or str(uuid.uuid4()),
        "clusterId": str(uuid.uuid4()), "agent": {"name": "telemetryd", "version": "0.1.0"},
        "data": {
            "os": {"id": "debian", "versionId": "12", "prettyName": "Debian GNU/Linux 12 (bookworm)",
                   "kernel": "6.1.0-28-amd64", "arch": "x86_64"},
            "cpu": {"model": "AMD EPYC 7B13", "logicalCores": 4, "hostLogicalCores": 8, "load1": 0.1, "load5": 0.25,
                    "load15": 1.5},
            "memory": {"totalBytes": 8 << 30, "hostTotalBytes": 16 << 30, "availableBytes": 4 << 30,
                       "swapTotalBytes": 0, "swapFreeBytes": 0},
            "uptimeSec": 86400, "virtualization": "kvm", "container": "none",
            "config": {"compression": True, "proxy": False, "dryRun": False, "customCA": False},
            "facts": None, "factsStatus": "none",
        },
    }
    if version is not None:
        r["product"] = {"name": "acme-db", "version": version}
    r["data"].update(data)
    return r


def post(c: CollectorProcess, report: dict | bytes, gz: bool = False) -> tuple[int, dict]:
    global _sent
    raw = report if isinstance(report, bytes) else json.dumps(report, ensure_ascii=False).encode()
    headers = {"X-Forwarded-For": f"10.0.{(_sent // 100) % 256}.1"}
    _sent += 1
    if gz:
        raw, headers["Content-Encoding"] = gzip.compress(raw), "gzip"
    status, _, body = c.post(raw, headers=headers)
    return status, (json.loads(body) if body else {})


def metric_samples(c: CollectorProcess, name: str) -> dict[tuple, float]:
    status, _, body = c.get("/metrics")
    assert status == 200
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


def active_by_version(c: CollectorProcess) -> dict[str, float]:
    """telemetry_active_installs summed over products: {product_version: installs}."""
    out: dict[str, float] = {}
    for labels, v in metric_samples(c, "telemetry_active_installs").items():
        version = dict(labels)["product_version"]
        out[version] = out.get(version, 0) + v
    return out


def today(c: CollectorProcess) -> dict:
    return c.get_json("/api/v1/summary?days=1")["days"][-1]


# ---------------------------------------------------------------- look-alikes
@pytest.mark.parametrize("invisible", ["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\u00ad", "\u0000", "\u0085"])
def test_look_alike_versions_are_refused_naming_the_field(make_collector, invisible):
    c = make_collector().start()
    status, reason = post(c, diagnostics("1.2.3" + invisible))
    assert status == 400, reason
    assert reason["violations"][0]["path"] == "/product/version"
    assert f"U+{ord(invisible):04X}" in reason["violations"][0]["message"]
    # Not counted, and the genuine 1.2.3 stays alone under its name.
    assert post(c, diagnostics("1.2.3"))[0] == 202
    assert today(c)["byProductVersion"] == {"1.2.3": 1}


def test_every_string_is_checked_prettyname_and_member_names_too(make_collector):
    c = make_collector().start()
    r = diagnostics()
    r["data"]["os"]["prettyName"] = "Debian\u0000 12"
    status, reason = post(c, r)
    assert (status, reason["violations"][0]["path"]) == (400, "/data/os/prettyName")
    r = diagnostics()
    r["data"]["os"]["id"] = "deb\u202eian"
    status, reason = post(c, r)
    assert (status, reason["violations"][0]["path"]) == (400, "/data/os/id")
    # Escaped in the JSON text is the same character.
    text = json.dumps(diagnostics("9.9.9"), ensure_ascii=True).replace('"9.9.9"', '"9.9.9\\u200b"')
    status, reason = post(c, text.encode())
    assert (status, reason["violations"][0]["path"]) == (400, "/product/version")
    assert metric_samples(c, "telemetry_reports_total")[(("result", "invalid"),)] == 3
    assert c.get_json("/api/v1/summary?days=1")["activeInstalls"] == 0


# ---------------------------------------------------------------- reserved values
def test_reserved_versions_are_counted_apart_from_the_collectors_own(make_collector):
    c = make_collector().start()
    for v in ["unknown", "other", "Unknown", "4.2.1"]:
        assert post(c, diagnostics(v))[0] == 202
    r = diagnostics(None)                       # no product block: the collector's own unknown
    r["data"]["virtualization"] = "unknown"     # a report's own, in another breakdown
    assert post(c, r)[0] == 202
    day = today(c)
    assert day["byProductVersion"] == {'"unknown"': 1, '"other"': 1, '"Unknown"': 1, "4.2.1": 1, "unknown": 1}
    assert day["byVirtualization"] == {"kvm": 4, '"unknown"': 1}
    versions = active_by_version(c)
    assert versions['"unknown"'] == 1
    assert versions["unknown"] == 1
    if c.get_json("/api/v1/summary?days=1")["products"]:  # the store filters by product
        series = metric_samples(c, "telemetry_active_installs")
        assert series[(("product", "acme-db"), ("product_version", '"unknown"'))] == 1
        assert series[(("product", "unknown"), ("product_version", "unknown"))] == 1
    status, _, page = c.get("/?days=1")
    assert status == 200
    assert "&quot;other&quot;" in page.decode()


# ---------------------------------------------------------------- long labels
@pytest.mark.parametrize("where", ["/data/virtualization", "/data/container", "/data/os/id", "/data/os/arch",
                                   "/product/version", "/agent/version"])
def test_thirty_thousand_character_labels_are_refused(make_collector, where):
    c = make_collector().start()
    r = diagnostics()
    long = "a" * 30_000
    node = r
    *parents, leaf = where.strip("/").split("/")
    for p in parents:
        node = node[p]
    node[leaf] = "1.0.0-" + long if leaf == "version" and parents == ["agent"] else long
    status, reason = post(c, r)
    assert status == 400, reason
    assert where in [v["path"] for v in reason["violations"]]
    # The answer does not echo the value.
    assert len(json.dumps(reason)) < 2000
    assert c.get_json("/api/v1/summary?days=1")["activeInstalls"] == 0


# ---------------------------------------------------------------- MaxDistinctValues=
def test_max_distinct_values_caps_the_api_the_page_metrics_and_summary_and_a_reload_changes_it(make_collector):
    c = make_collector(settings={"MaxDistinctValues": "5"}).start()
    # 20 versions: 1.0.0 … 1.0.14 one install each, 1.0.15 … 1.0.19 two to six: 35 installs.
    expected_top = {f"1.0.{v}": v - 13 for v in range(15, 20)}
    for v in range(20):
        for _ in range(max(1, v - 13)):
            assert post(c, diagnostics(f"1.0.{v}"))[0] == 202

    api = today(c)
    assert api["activeInstalls"] == 35
    assert api["byProductVersion"] == {**expected_top, "other": 15}
    # Every breakdown holds at most 5 values + other, and adds up to the day's installs.
    for key in ("byOS", "byArch", "byVirtualization", "byContainer", "byCores", "byMemory"):
        assert len([k for k in api[key] if k != "other"]) <= 5 and sum(api[key].values()) == 35

    series = metric_samples(c, "telemetry_active_installs")
    assert len(series) == 6  # one product (acme-db; "unknown" before the store filters by product): 5 + other
    assert active_by_version(c)["other"] == 15
    assert sum(series.values()) == 35
    assert {dict(k)["product_version"] for k in series} == set(expected_top) | {"other"}

    status, _, page = c.get("/?days=1")
    assert status == 200
    text = page.decode()
    # The adoption cut-offs ("95 % run V or newer") name at most four versions whatever the cap; every other place
    # of the page keeps to the top five.
    capped = re.sub(r'<li id="cutoff-\d+">.*?</li>', "", text)
    assert "1.0.19" in text and "1.0.3" not in capped
    assert re.search(r"other versions <b>15</b>", text)

    r = c.cli("summary", "--days", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["days"][-1]["byProductVersion"] == {**expected_top, "other": 15}

    # A reload takes a new value at once.
    c.write_config({"Listen": "127.0.0.1:0", "Database": f"sqlite://{c.db_path}", "MaxDistinctValues": "50"})
    mark = c.line_count()
    c.reload()
    c.wait_for(r"configuration reloaded", start=mark)
    assert len(today(c)["byProductVersion"]) == 20
    assert len(metric_samples(c, "telemetry_active_installs")) == 20


# ---------------------------------------------------------------- stored minimal
def test_a_padded_gzipped_body_is_stored_at_the_size_of_its_compact_form(make_collector):
    c = make_collector().start()
    compact_ids, padded_ids = [], []
    for i in range(20):
        r = diagnostics(f"2.0.{i}")
        compact = json.dumps(r, separators=(",", ":"), ensure_ascii=False).encode()
        assert post(c, compact)[0] == 202
        compact_ids.append(r["messageId"])
        r2 = diagnostics(f"2.0.{i}")
        # 40 KB of whitespace between the tokens and after the document: about 200 bytes once gzipped.
        padded = json.dumps(r2, indent=200, ensure_ascii=False).encode() + b" \n\t\r" * 8000
        assert len(padded) > 40_000
        status, _ = post(c, padded, gz=True)
        assert status == 202
        padded_ids.append(r2["messageId"])

    with sqlite3.connect(c.db_path) as db:
        sizes = dict(db.execute("SELECT message_id, length(CAST(body AS BLOB)) FROM reports"))
        bodies = dict(db.execute("SELECT message_id, body FROM reports"))
    # The same report (new IDs of the same length) padded or not: the same size on disk.
    assert sorted(sizes[m] for m in padded_ids) == sorted(sizes[m] for m in compact_ids)
    assert max(sizes.values()) < 1500
    for m in padded_ids:
        kept = bodies[m]
        assert json.loads(kept)["messageId"] == m
        assert not re.search(r"\s", kept.replace("Debian GNU/Linux 12 (bookworm)", "").replace("AMD EPYC 7B13", ""))


# ---------------------------------------------------------------- PostgreSQL
def test_nul_is_the_reports_fault_on_postgresql_not_an_outage(postgres, collector_binary, tmp_path):
    # The harness runs psql as postgres in a directory that user owns, and keeps stderr out of the rows.
    assert postgres._run("pwd").stdout.strip() == str(postgres.dir)
    c = CollectorProcess(collector_binary, tmp_path / "c", settings=postgres.collector_config())
    with c.start():
        for _ in range(3):
            bad = diagnostics("1.2.3\u0000")
            status, reason = post(c, bad)
            assert (status, reason["violations"][0]["path"]) == (400, "/product/version")
            bad = diagnostics()
            bad["data"]["os"]["prettyName"] = "Debian\u0000"
            status, reason = post(c, bad)
            assert (status, reason["violations"][0]["path"]) == (400, "/data/os/prettyName")
            assert post(c, diagnostics("4.2.1"))[0] == 202
        assert today(c)["byProductVersion"] == {"4.2.1": 3}
        assert postgres.psql("SELECT count(*) FROM reports").strip() == "3"
        totals = metric_samples(c, "telemetry_reports_total")
        assert totals[(("result", "invalid"),)] == 6
        assert totals[(("result", "unavailable"),)] == 0
        assert "unavailable" not in c.output and "available again" not in c.output, c.output
