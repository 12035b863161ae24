"""telemetry-collector as people use it: the real telemetryd sending through its real transport to the real
collector, then `summary`, the JSON API and /metrics agreeing with what was sent; every ingest status code;
import; prune; reload."""
from __future__ import annotations

import copy
import datetime
import gzip
import json
import sqlite3
import subprocess
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import config_text

GIB = 1 << 30


def cores_bucket(n):
    if not n or n < 1:
        return "unknown"
    for label, top in (("1", 1), ("2", 2), ("3-4", 4), ("5-8", 8), ("9-16", 16), ("17-32", 32), ("33-64", 64),
                       ("65-128", 128)):
        if n <= top:
            return label
    return "129+"


def memory_bucket(b):
    if b is None:
        return "unknown"
    if b < 2 * GIB:
        return "<2GiB"
    low = 2
    while low < 512:
        if b < 2 * low * GIB:
            return f"{low}-{2 * low}GiB"
        low *= 2
    return "512GiB+"


def metrics(c) -> dict[tuple[str, tuple], float]:
    """/metrics parsed by prometheus_client: {(sample name, sorted labels): value}."""
    status, headers, body = c.get("/metrics")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def show(daemon, kind: str) -> dict:
    r = daemon.cli("show", "--type", kind)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture
def report(binary, tmp_path):
    """A fresh valid report as the daemon builds it (`telemetryd show`), as a dict; each call a new messageId."""
    from daemon import Daemon
    d = Daemon(binary, tmp_path / "show", config=config_text("http://127.0.0.1:9/v1/reports"))
    cache = {}

    def make(kind: str = "keepalive", **changes) -> dict:
        if kind not in cache:
            cache[kind] = show(d, kind)
        r = copy.deepcopy(cache[kind])
        r["messageId"] = str(uuid.uuid4())
        r.update(changes)
        return r
    return make


def body(r: dict) -> bytes:
    return json.dumps(r).encode()


# ---------------------------------------------------------------- end to end
def test_daemons_to_collector_summary_api_and_metrics_agree(make_collector, make_daemon):
    c = make_collector().start()
    cluster = str(uuid.uuid4())
    daemons = []
    for i, extra in enumerate([{"ClusterID": cluster}, {"ClusterID": cluster}, {}]):
        d = make_daemon(config_text(c.endpoint, telemetry=extra), name=f"d{i}")
        daemons.append(d.start())
    for d in daemons:
        d.wait_for_event(result="sent", type="keepalive", timeout=30)
        d.wait_for_event(result="sent", type="diagnostics", timeout=30)

    # What the three installs told, from the daemon's own view of its reports.
    diag = show(daemons[0], "diagnostics")
    data = diag["data"]
    os_label = f'{data["os"]["id"]} {data["os"]["versionId"]}' if data["os"]["versionId"] else data["os"]["id"]
    version = (diag.get("product") or {}).get("version") or "unknown"

    api = c.get_json("/api/v1/summary?days=3")
    today = api["days"][-1]
    assert [d["activeInstalls"] for d in api["days"]] == [0, 0, 3]
    assert api["activeInstalls"] == 3
    assert today["newInstalls"] == 3
    assert today["lostInstalls"] == 0
    assert today["byOS"] == {os_label: 3}
    assert today["byArch"] == {data["os"]["arch"]: 3}
    assert today["byVirtualization"] == {data["virtualization"] or "unknown": 3}
    assert today["byContainer"] == {data["container"] or "unknown": 3}
    assert today["byCores"] == {cores_bucket(data["cpu"]["logicalCores"]): 3}
    assert today["byMemory"] == {memory_bucket(data["memory"]["totalBytes"]): 3}
    assert today["byProductVersion"] == {version: 3}
    assert api["clusters"] == {"count": 1, "installs": 2, "bySize": {"2": 1}}
    # Issue 18's answers: nobody is established on its first day; three new installs make one cohort of this week.
    assert api["establishedInstalls"] == 0 and today["establishedInstalls"] == 0
    assert api["lifecycle"][-1] == {"date": today["date"], "new": 3, "returning": 0, "resurrected": 0, "lost": 0}
    assert [(cohort["installs"], cohort["active"]) for cohort in api["retention"]] == [(3, {})]
    if version != "unknown":
        assert api["adoption"]["cutoffs"] == {p: version for p in ("50", "75", "90", "95")}
        assert [(v["version"], v["installs"], v["share"], v["daysTo50"]) for v in api["adoption"]["versions"]] == [(version, 3, 1.0, 0)]

    # The command line reads the same database and gives the same answer.
    r = c.cli("summary", "--days", "3", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == api
    table = c.cli("summary", "--days", "3")
    assert table.returncode == 0
    assert f'active installs on {today["date"]}: 3' in table.stdout.decode()
    assert "established installs (first report 24 h or more before the day's last): 0" in table.stdout.decode()
    established = c.cli("summary", "--days", "3", "--established", "--json")
    assert established.returncode == 0, established.stderr
    assert [d["activeInstalls"] for d in json.loads(established.stdout)["days"]] == [0, 0, 0]

    m = metrics(c)
    # Each install under its own product (the one product the daemons report, or "unknown" without one); a store
    # that lists no products (before it filters by product) has everything under "unknown".
    product = (diag.get("product") or {}).get("name") if api["products"] else None
    assert m[("telemetry_active_installs", (("product", product or "unknown"), ("product_version", version)))] == 3
    assert m[("telemetry_active_installs_by_os", (("os", os_label),))] == 3
    assert m[("telemetry_reports_total", (("result", "new"),))] == 6
    assert m[("telemetry_reports_total", (("result", "duplicate"),))] == 0
    assert m[("telemetry_clusters", (("size", "2"),))] == 1
    assert m[("telemetry_new_installs", ())] == 3
    assert m[("telemetry_database_up", ())] == 1

    # Nothing about the connection was kept: no client address anywhere in the database.
    with sqlite3.connect(c.db_path) as db:
        dump = "\n".join(db.iterdump())
    assert "127.0.0.1" not in dump
    for d in daemons:
        d.stop()
    assert c.stop() == 0


# ---------------------------------------------------------------- every ingest status code
def test_ingest_status_codes(make_collector, report):
    c = make_collector(tokens=["alpha", "beta"], settings={"MaxBodyBytes": "16K"}).start()
    auth = {"Authorization": "Bearer beta"}
    r = report()

    status, _, b = c.post(body(r), headers=auth)
    assert (status, json.loads(b)) == (202, {"duplicate": False})
    status, _, b = c.post(body(r), headers=auth)
    assert (status, json.loads(b)) == (200, {"duplicate": True})
    status, _, _ = c.post(gzip.compress(body(report())), headers={**auth, "Content-Encoding": "gzip"})
    assert status == 202

    status, headers, _ = c.post(body(report()))
    assert status == 401 and headers["www-authenticate"] == "Bearer"
    assert c.post(body(report()), headers={"Authorization": "Bearer gamma"})[0] == 401

    assert c.post(body(report()), headers=auth, content_type="text/plain")[0] == 415
    assert c.post(body(report()), headers=auth, content_type=None)[0] == 415

    big = report()
    big["agent"]["version"] = "0.1.0+" + "x" * 20_000
    status, _, b = c.post(body(big), headers=auth)
    assert status == 413
    bomb = gzip.compress(b" " * (10 << 20))
    assert len(bomb) < 16 * 1024
    status, _, b = c.post(bomb, headers={**auth, "Content-Encoding": "gzip"})
    assert status == 413 and b"compressed or not" in b
    # 10 MB uncompressed: refused before the body is read (the declared length says it all), and the connection
    # closed rather than the rest read and thrown away; the collector is still fine afterwards.
    status, headers, _, _ = c.post_streaming(10 << 20, headers=auth, byte=b"[")
    assert status == 413 and headers["connection"] == "close"

    status, _, b = c.post(b"\x1f\x8b not gzip", headers={**auth, "Content-Encoding": "gzip"})
    assert status == 400 and b"not valid gzip" in b
    wrong = report("diagnostics")
    wrong["data"]["cpu"]["logicalCores"] = "four"
    status, _, b = c.post(body(wrong), headers=auth)
    assert status == 400
    assert {"path": "/data/cpu/logicalCores", "message": "expected integer or null, got string"} in json.loads(b)["violations"]
    status, _, b = c.post(body(report(schemaVersion=2)), headers=auth)
    assert status == 400 and b"newer than this collector understands" in b
    status, _, b = c.post(b"[" * 5000 + b"]" * 5000, headers=auth)
    assert status == 400 and b"nested deeper" in b

    # The database locked by someone else past SQLite's busy timeout: 503 with Retry-After, the agent retries.
    # The test waits for the lock as long as a collector write may take on a loaded machine (the day cache, say).
    locker = sqlite3.connect(c.db_path, isolation_level=None, timeout=15)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        status, headers, _ = c.post(body(report()), headers=auth)
        assert status == 503
        assert int(headers["retry-after"]) > 0
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert c.post(body(report()), headers=auth)[0] == 202

    m = metrics(c)
    counts = {labels[0][1]: v for (name, labels), v in m.items() if name == "telemetry_reports_total"}
    assert counts == {"new": 3, "duplicate": 1, "unauthorized": 2, "unsupported_media_type": 2, "too_large": 3,
                      "invalid": 4, "unavailable": 1, "rate_limited": 0, "erased": 0, "erasure_refused": 0,
                      "erased_install": 0}
    assert c.get("/healthz")[0] == 200
    # The client's address is not in the collector's log either.
    assert "127.0.0.1:" not in c.output.replace(f"listening on {c.address}", "")


def test_reload_rereads_tokens_and_a_bad_config_keeps_the_running_one(make_collector, report):
    c = make_collector(tokens=["old"]).start()
    assert c.post(body(report()), headers={"Authorization": "Bearer old"})[0] == 202
    c.write_tokens(["new"])
    mark = c.line_count()
    c.reload()
    c.wait_for("configuration reloaded", start=mark)
    assert c.post(body(report()), headers={"Authorization": "Bearer old"})[0] == 401
    assert c.post(body(report()), headers={"Authorization": "Bearer new"})[0] == 202

    c.config_path.write_text(c.config_path.read_text() + "MaxBodyBytes=lots\n")
    mark = c.line_count()
    c.reload()
    c.wait_for(r"reload failed, keeping the running configuration: .*collector.conf:\d+: MaxBodyBytes=lots", start=mark)
    assert c.post(body(report()), headers={"Authorization": "Bearer new"})[0] == 202
    assert c.stop() == 0


def test_bad_config_or_token_file_is_exit_2(make_collector):
    c = make_collector(settings={"RetainDays": "forever"})
    p = subprocess.run([c.binary, "serve", "--config", str(c.config_path)], capture_output=True, text=True,
                       env=c.env, timeout=30)
    assert p.returncode == 2
    assert "collector.conf:" in p.stderr and "RetainDays=forever" in p.stderr
    c2 = make_collector(name="c2", settings={"TokenFile": "/nonexistent/tokens"})
    p = subprocess.run([c2.binary, "serve", "--config", str(c2.config_path)], capture_output=True, text=True,
                       env=c2.env, timeout=30)
    assert p.returncode == 2 and "TokenFile=/nonexistent/tokens" in p.stderr


# ---------------------------------------------------------------- import and prune
def test_import_json_lines_and_report_files_with_dedup(make_collector, report, tmp_path):
    c = make_collector()
    a, b = report(), report("diagnostics")
    lines = tmp_path / "export.jsonl"
    lines.write_text(json.dumps(a) + "\n\n" + json.dumps(b) + "\n")
    pretty = tmp_path / "one.json"
    single = report()
    pretty.write_text(json.dumps(single, indent=2))

    r = c.cli("import", str(lines), str(pretty))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert f"{lines}: 2 new, 0 duplicate, 0 rejected" in out
    assert f"{pretty}: 1 new, 0 duplicate, 0 rejected" in out
    # Again, and over standard input: all duplicates.
    r = c.cli("import", "-", input=lines.read_bytes())
    assert r.returncode == 0 and "-: 0 new, 2 duplicate, 0 rejected" in r.stdout.decode()
    # One report twenty times in one file: only one is new.
    twice = tmp_path / "twenty.jsonl"
    twice.write_text((json.dumps(report()) + "\n") * 20)
    r = c.cli("import", str(twice))
    assert r.returncode == 0 and f"{twice}: 1 new, 19 duplicate, 0 rejected" in r.stdout.decode(), r.stdout

    broken = tmp_path / "broken.jsonl"
    bad = report()
    bad["hostname"] = "db1"
    broken.write_text(json.dumps(report()) + "\n" + json.dumps(bad) + "\nnot json\n")
    r = c.cli("import", str(broken))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert f'{broken}:2: the report does not match report-v1: /hostname: unknown property "hostname"' in err
    assert f"{broken}:3: the body is not valid JSON" in err
    assert "1 new, 0 duplicate, 2 rejected" in r.stdout.decode()

    # Imported reports count on the day they were built.
    summary = json.loads(c.cli("summary", "--days", "1", "--json").stdout)
    assert summary["activeInstalls"] == 1   # every report came from the one install the show daemon has
    assert c.cli("import", str(tmp_path / "missing.jsonl")).returncode == 1
    assert c.cli("import").returncode == 2


def test_import_stores_each_installs_reports_in_file_order(make_collector, report, tmp_path):
    # Forty installs upgraded during one day, each one's two reports side by side in the file: the import stores
    # many reports at once, but never two of one install, so every install's day ends on the later version.
    c = make_collector()
    date = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)).strftime("%Y-%m-%d")
    day = date + "T"
    lines = []
    for i in range(40):
        inst = str(uuid.uuid4())
        for hour, version in (("06", "1.0.0"), ("07", "2.0.0")):
            lines.append(json.dumps(report(instanceId=inst, clusterId=inst, timestamp=f"{day}{hour}:00:00Z",
                                           product={"name": "acme", "version": version})))
    f = tmp_path / "upgrades.jsonl"
    f.write_text("\n".join(lines) + "\n")
    r = c.cli("import", str(f))
    assert r.returncode == 0 and "80 new, 0 duplicate, 0 rejected" in r.stdout.decode(), r.stderr
    summary = json.loads(c.cli("summary", "--days", "30", "--json").stdout)
    [d] = [d for d in summary["days"] if d["date"] == date]
    assert d["activeInstalls"] == 40
    assert d["byProductVersion"] == {"2.0.0": 40}, d["byProductVersion"]


def test_summary_filters_by_product_and_version_and_counts_facts_and_counters(make_collector, report, tmp_path):
    # Today: three acme installs (two on 2.0) and one zeta install, each with facts and counters, imported.
    c = make_collector()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = []
    for i, (product, version, tls, flows) in enumerate([("acme", "1.0", True, 5), ("acme", "2.0", True, 7),
                                                          ("acme", "2.0", False, 2000), ("zeta", "2.0", True, 1)]):
        r = report("diagnostics", instanceId=str(uuid.uuid4()), clusterId=str(uuid.uuid4()), timestamp=now,
                   product={"name": product, "version": version})
        r["data"].update(facts={"tlsEnabled": tls, "edition": "oss", "clusterNodes": i}, factsStatus="ok",
                         counters={"flowsExecuted": flows}, countersSinceSec=3600)
        lines.append(json.dumps(r))
    f = tmp_path / "facts.jsonl"
    f.write_text("\n".join(lines) + "\n")
    r = c.cli("import", str(f))
    assert r.returncode == 0 and "4 new" in r.stdout.decode(), r.stderr

    def summary(*args: str) -> dict:
        """The day's counts, and the products of the range."""
        s = json.loads(c.cli("summary", "--days", "1", "--json", *args).stdout)
        return s["days"][-1] | {"products": s["products"]}

    everyone = summary()
    assert everyone["activeInstalls"] == 4 and everyone["products"] == ["acme", "zeta"]
    assert everyone["facts"]["tlsEnabled"] == {"kind": "boolean", "installs": 4, "true": 3}
    assert everyone["facts"]["clusterNodes"] == {"kind": "number", "installs": 4, "zero": 1, "p5": 0, "p50": 1, "p95": 3}
    acme2 = summary("--product", "acme", "--version", "2.0")
    assert acme2["activeInstalls"] == 2 and acme2["byProductVersion"] == {"2.0": 2}
    assert acme2["products"] == ["acme", "zeta"]   # every product of the range, whatever the filter
    assert acme2["facts"]["tlsEnabled"] == {"kind": "boolean", "installs": 2, "true": 1}
    # Per-install sums 7 and 2000: nearest rank; 2000 counts as the middle of its bucket, 2008.
    assert acme2["counters"]["flowsExecuted"] == {"increments": 2007, "installs": 2, "p50": 7, "p95": 2008}
    assert summary("--version", "2.0")["activeInstalls"] == 3
    assert summary("--product", "nothing")["activeInstalls"] == 0
    text = c.cli("summary", "--days", "1", "--product", "acme").stdout.decode()
    assert "(product acme)" in text and "products in the range: acme, zeta" in text
    assert "\nfacts (of the installs that carry each)\n" in text and "tlsEnabled" in text
    assert "\ncounters (increments that arrived that day)\n" in text and "flowsExecuted" in text


def test_prune_drops_old_raw_reports_and_keeps_the_answers(make_collector, report, tmp_path):
    c = make_collector(settings={"RetainDays": "30"})
    old = report(timestamp="2025-01-10T06:00:00Z", instanceId=str(uuid.uuid4()))
    recent = report()
    f = tmp_path / "reports.jsonl"
    f.write_text(json.dumps(old) + "\n" + json.dumps(recent) + "\n")
    assert c.cli("import", str(f)).returncode == 0
    before = json.loads(c.cli("summary", "--days", "800", "--json").stdout)
    r = c.cli("prune")
    assert r.returncode == 0, r.stderr
    assert "pruned 1 raw report received before" in r.stdout.decode()
    after = json.loads(c.cli("summary", "--days", "800", "--json").stdout)
    assert after == before
    assert sum(d["activeInstalls"] for d in after["days"]) == 2
    with sqlite3.connect(c.db_path) as db:
        ids = [row[0] for row in db.execute("SELECT message_id FROM reports")]
    assert ids == [recent["messageId"]]
    assert "pruned 0 raw reports" in c.cli("prune").stdout.decode()


def test_https_with_tls_certificate_and_key(make_collector, make_daemon, certs):
    c = make_collector(settings={"TLSCertificate": str(certs.server_pem), "TLSKey": str(certs.server_key)}).start()
    d = make_daemon(config_text(f"https://{c.address}/v1/reports", transport={"CAFile": str(certs.ca_pem)})).start()
    e = d.wait_for_event(result="sent", type="keepalive", timeout=30)
    assert e["TELEMETRY_HTTP_STATUS"] == "202"
    assert json.loads(c.cli("summary", "--days", "1", "--json").stdout)["activeInstalls"] == 1
    # Plain HTTP to the TLS port gets no answer.
    with pytest.raises(Exception):
        c.get("/healthz")
    d.stop()
    bad = make_collector(name="bad", settings={"TLSCertificate": str(certs.server_pem), "TLSKey": "/nonexistent.pem"})
    p = subprocess.run([bad.binary, "serve", "--config", str(bad.config_path)], capture_output=True, text=True,
                       env=bad.env, timeout=30)
    assert p.returncode == 2 and "TLSKey=/nonexistent.pem: cannot read a PEM private key" in p.stderr


def test_import_what_telemetryd_export_prints(make_collector, make_daemon):
    d = make_daemon(config_text("http://127.0.0.1:9/v1/reports"))
    r = d.cli("export")
    assert r.returncode == 0, r.stderr
    lines = [l for l in r.stdout.splitlines() if l.strip()]
    assert len(lines) >= 2
    c = make_collector()
    imported = c.cli("import", "-", input=r.stdout.encode())
    assert imported.returncode == 0, imported.stderr
    assert f"-: {len(lines)} new, 0 duplicate, 0 rejected" in imported.stdout.decode()
    again = c.cli("import", "-", input=r.stdout.encode())
    assert f"-: 0 new, {len(lines)} duplicate, 0 rejected" in again.stdout.decode()
    summary = json.loads(c.cli("summary", "--days", "1", "--json").stdout)
    assert summary["activeInstalls"] == 1
    assert sum(summary["days"][-1]["byArch"].values()) == 1


def test_sigterm_with_an_idle_keep_alive_connection_stops_at_once(make_collector, report):
    import http.client
    import time
    c = make_collector().start()
    host, port = c.address.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", "/v1/reports", body=body(report()), headers={"Content-Type": "application/json"})
    assert conn.getresponse().read() == b'{"duplicate":false}'
    t = time.monotonic()
    assert c.stop(timeout=3) == 0   # the connection stays open on the client side
    # Nor does it wait for the day cache's first pass over RetainDays= (on a new database: 400 empty days, 1.6 s in a
    # debug build before a stop cancelled it).
    assert time.monotonic() - t < 1.0
    conn.close()


def test_the_harness_runs_one_collector_for_with_start(collector_binary, tmp_path):
    # `with c.start():` once started the collector twice and left the first running after the test.
    from telemetry_collector import CollectorProcess
    c = CollectorProcess(collector_binary, tmp_path / "c", settings={"Database": f"sqlite://{tmp_path}/r.db"})
    with c.start():
        first = c.proc
        assert c.proc is first
    assert first.poll() is not None, "the collector is stopped when the block ends"
    running = subprocess.run(["pgrep", "-f", str(c.config_path)], capture_output=True, text=True).stdout.split()
    assert running == [], f"a collector of this test still runs: {running}"
