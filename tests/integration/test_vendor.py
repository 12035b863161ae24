"""The vendor's product in every report: [Product], VersionFile=, ClusterIDFile=, facts, export, container limits."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
import uuid

import jsonschema
import pytest

from collector import Reply
from conftest import config_text, json_documents, wait_until
from daemon import clean_env
from nspawn import foreign_library_dirs

SCHEMA_TEXT = json.dumps({"facts": {
    "edition": {"type": "string", "enum": ["oss", "enterprise"]},
    "clusterNodes": {"type": "integer", "minimum": 0},
    "tlsEnabled": {"type": "boolean"},
}})
PLANTED = ["planted-hostname-7f3a.corp.example", "/home/planted-user/secret-path", "PLANTED_ENV_VALUE_91b2"]


def product_conf(tmp: pathlib.Path, endpoint="http://127.0.0.1:9/v1/reports", telemetry=None, product=None) -> str:
    p = {"Name": "acme-db", "VersionFile": str(tmp / "VERSION"), "FactsFile": str(tmp / "facts.json"),
         "FactsSchema": str(tmp / "facts.schema.json")}
    p.update(product or {})
    text = config_text(endpoint, telemetry)
    return text + "\n[Product]\n" + "".join(f"{k}={v}\n" for k, v in p.items() if v is not None)


def run(binary, tmp: pathlib.Path, *args, env=None, check=0):
    p = subprocess.run([binary, *args, "--config", str(tmp / "telemetry.conf"), "--state-dir", str(tmp / "state")],
                       capture_output=True, text=True, env=clean_env(env), timeout=60)
    assert check is None or p.returncode == check, f"exit {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}"
    return p


@pytest.fixture
def vendor(binary, tmp_path):
    (tmp_path / "VERSION").write_text("4.2.1\n")
    (tmp_path / "facts.schema.json").write_text(SCHEMA_TEXT)
    (tmp_path / "facts.json").write_text(json.dumps({"edition": "oss", "clusterNodes": 3, "tlsEnabled": True}))
    (tmp_path / "telemetry.conf").write_text(product_conf(tmp_path))
    return tmp_path


def test_every_report_shape_validates(binary, vendor, schema):
    v = jsonschema.Draft202012Validator(schema)
    seen = set()
    facts = vendor / "facts.json"

    def show():
        out = json_documents(run(binary, vendor, "show").stdout)
        for d in out:
            v.validate(d)
        return out

    keep, diag = show()
    assert keep["product"] == {"name": "acme-db", "version": "4.2.1"} == diag["product"]
    assert diag["data"]["facts"] == {"edition": "oss", "clusterNodes": 3, "tlsEnabled": True}
    seen.add(diag["data"]["factsStatus"])
    # Numbers of every kind, a boolean false, an enum string, and dropped keys of every kind.
    facts.write_text(json.dumps({"clusterNodes": 0, "tlsEnabled": False, "edition": "enterprise",
                                 "nested": {"a": 1}, "Bad-Key": 1, "free": "text"}))
    diag = show()[1]
    assert diag["data"]["facts"] == {"clusterNodes": 0, "tlsEnabled": False, "edition": "enterprise"}
    # Without a schema: numbers and booleans only.
    (vendor / "telemetry.conf").write_text(product_conf(vendor, product={"FactsSchema": None}))
    facts.write_text(json.dumps({"ratio": 0.25, "big": 1e300, "neg": -7, "on": True, "edition": "oss"}))
    diag = show()[1]
    assert diag["data"]["facts"] == {"ratio": 0.25, "big": 1e300, "neg": -7, "on": True}
    facts.write_text("[1, 2]")
    seen.add(show()[1]["data"]["factsStatus"])
    facts.write_text('{"a": true}')
    old = time.time() - 3 * 86400
    os.utime(facts, (old, old))
    seen.add(show()[1]["data"]["factsStatus"])
    facts.unlink()
    seen.add(show()[1]["data"]["factsStatus"])
    (vendor / "telemetry.conf").write_text(config_text("http://127.0.0.1:9/v1/reports"))
    keep, diag = show()
    assert "product" not in keep and "product" not in diag
    seen.add(diag["data"]["factsStatus"])
    assert seen == {"ok", "invalid", "stale", "missing", "none"}
    assert diag["data"]["facts"] is None


def test_version_file_is_read_at_every_report_and_unreadable_is_null(binary, vendor, schema):
    (vendor / "VERSION").write_text("4.3.0-rc1\nignored second line\n")
    p = run(binary, vendor, "show", "--type", "keepalive")
    assert json_documents(p.stdout)[0]["product"]["version"] == "4.3.0-rc1"
    (vendor / "VERSION").unlink()
    p = run(binary, vendor, "show", "--type", "keepalive")
    [doc] = json_documents(p.stdout)
    assert doc["product"] == {"name": "acme-db", "version": None}
    jsonschema.Draft202012Validator(schema).validate(doc)


def test_daemon_reports_an_upgrade_without_a_reload(make_daemon, collector, tmp_path):
    (tmp_path / "VERSION").write_text("1.0.0\n")
    (tmp_path / "facts.json").write_text(json.dumps({"edition": "oss", "nodes": 3}))
    d = make_daemon(product_conf(tmp_path, collector.url, {"KeepAliveIntervalSec": "1s", "DiagnosticsIntervalSec": "1s"},
                                 {"FactsSchema": None}))
    d.start()
    wait_until(lambda: any(r.get("product", {}).get("version") == "1.0.0" for r in collector.reports("keepalive")),
               timeout=15, what="a keep-alive with version 1.0.0")
    (tmp_path / "VERSION").write_text("1.1.0\n")
    wait_until(lambda: any(r.get("product", {}).get("version") == "1.1.0" for r in collector.reports("keepalive")),
               timeout=15, what="a keep-alive with version 1.1.0")
    assert all(r["product"]["name"] == "acme-db" for r in collector.reports())
    # One warning when the file goes away, not one per report.
    (tmp_path / "VERSION").unlink()
    wait_until(lambda: any(r["product"]["version"] is None for r in collector.reports("keepalive")), timeout=15,
               what="a keep-alive with version null")
    n = len(collector.reports("keepalive"))
    wait_until(lambda: len(collector.reports("keepalive")) >= n + 2, timeout=15, what="two more keep-alives")
    assert len([l for l in d.lines if "VersionFile=" in l]) == 1, d.output
    # The dropped string fact: logged once (key and reason, never the value) over many diagnostics reports.
    diags = collector.reports("diagnostics")
    assert len(diags) >= 3 and all(r["data"]["facts"] == {"nodes": 3} for r in diags)
    dropped = [l for l in d.lines if "dropped 1 fact" in l]
    assert len(dropped) == 1 and "edition" in dropped[0] and "oss" not in dropped[0], d.output


def test_a_bad_product_name_is_a_config_error_with_file_and_line(binary, vendor):
    (vendor / "telemetry.conf").write_text(product_conf(vendor, product={"Name": "acme db"}))
    p = run(binary, vendor, "show", check=2)
    line = next(i for i, l in enumerate((vendor / "telemetry.conf").read_text().splitlines(), 1) if l.startswith("Name="))
    assert f"telemetry.conf:{line}: Name=acme db: expected a product name" in p.stderr


def test_show_lists_dropped_keys_with_reasons_but_never_values(binary, vendor):
    (vendor / "facts.json").write_text(json.dumps({"edition": "community", "host": PLANTED[0], "clusterNodes": -1}))
    p = run(binary, vendor, "show", "--type", "diagnostics")
    assert json_documents(p.stdout)[0]["data"]["facts"] == {}
    assert "dropped edition: not one of the values the schema's enum lists" in p.stderr
    assert "dropped host: not declared in the facts schema" in p.stderr
    assert "dropped clusterNodes: below the schema's minimum" in p.stderr
    assert "community" not in p.stderr and PLANTED[0] not in p.stderr


def test_planted_strings_in_facts_never_reach_show_export_or_a_report(binary, vendor, collector):
    """A hostname, a path and an environment value written as facts without an enum go nowhere."""
    env = {"PLANTED_VAR": PLANTED[2]}
    for schema in (SCHEMA_TEXT, None):
        if schema is None:
            (vendor / "telemetry.conf").write_text(product_conf(vendor, collector.url, product={"FactsSchema": None}))
        (vendor / "facts.json").write_text(json.dumps({"hostname": PLANTED[0], "dataDir": PLANTED[1], "secret": PLANTED[2],
                                                       "edition": PLANTED[0], "tlsEnabled": True}))
        outputs = []
        for args in (("show",), ("export",)):
            p = run(binary, vendor, *args, env=env)
            outputs += [p.stdout, p.stderr]
        p = run(binary, vendor, "send", "--type", "diagnostics", env=env, check=None)
        outputs.append(p.stdout + p.stderr)
        for text in outputs:
            for s in PLANTED:
                assert s not in text, (s, text)
    bodies = [json.dumps(r.json) for r in collector.requests if r.method == "POST"]
    assert bodies, "send reached the collector"
    for body in bodies:
        for s in PLANTED:
            assert s not in body


def test_cluster_id_file_one_id_for_three_state_directories_raw_string_never_sent(binary, tmp_path, schema):
    (tmp_path / "cluster").write_text("acme-cluster-secret-5e1f\n")
    (tmp_path / "telemetry.conf").write_text(config_text("http://127.0.0.1:9/", {"ClusterIDFile": str(tmp_path / "cluster")}))
    ids, text = set(), ""
    for n in range(3):
        p = subprocess.run([binary, "show", "--config", str(tmp_path / "telemetry.conf"), "--state-dir", str(tmp_path / f"s{n}")],
                           capture_output=True, text=True, env=clean_env(), timeout=60)
        assert p.returncode == 0, p.stderr
        text += p.stdout
        for d in json_documents(p.stdout):
            jsonschema.Draft202012Validator(schema).validate(d)
            ids.add(d["clusterId"])
        generated = (tmp_path / f"s{n}" / "cluster-id").read_text().strip()
        assert generated not in ids
    assert len(ids) == 1
    assert "acme-cluster-secret-5e1f" not in text
    st = subprocess.run([binary, "status", "--json", "--config", str(tmp_path / "telemetry.conf"), "--state-dir", str(tmp_path / "s1")],
                        capture_output=True, text=True, env=clean_env(), timeout=60)
    assert json.loads(st.stdout)["clusterId"] in ids, "status shows the cluster ID the reports carry"
    # ClusterID= wins over the file.
    cid = str(uuid.uuid4())
    (tmp_path / "telemetry.conf").write_text(config_text("http://127.0.0.1:9/", {"ClusterIDFile": str(tmp_path / "cluster"),
                                                                                  "ClusterID": cid}))
    p = subprocess.run([binary, "show", "--config", str(tmp_path / "telemetry.conf"), "--state-dir", str(tmp_path / "s0")],
                       capture_output=True, text=True, env=clean_env(), timeout=60)
    assert {d["clusterId"] for d in json_documents(p.stdout)} == {cid}


def test_export_prints_the_spool_then_a_fresh_pair_and_leaves_the_spool(make_daemon, collector, schema, tmp_path):
    collector.default = Reply(503)
    d = make_daemon(config_text(collector.url))
    d.start()
    wait_until(lambda: len(d.spool) == 2, timeout=15, what="2 spooled reports")
    d.stop()
    before = {p.name: p.read_bytes() for p in d.spool}
    n = len(collector.requests)
    p = d.cli("export")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 4
    out = [json.loads(l) for l in lines]
    for doc in out:
        jsonschema.Draft202012Validator(schema).validate(doc)
    spooled = sorted(before, key=str)
    assert [o["messageId"] for o in out[:2]] == [json.loads(before[name])["messageId"] for name in spooled]
    assert [o["type"] for o in out[2:]] == ["keepalive", "diagnostics"]
    assert {o["messageId"] for o in out[2:]}.isdisjoint({o["messageId"] for o in out[:2]})
    assert len({o["instanceId"] for o in out}) == 1
    assert {p.name: p.read_bytes() for p in d.spool} == before, "the spool is left as it is"
    assert len(collector.requests) == n, "export sends nothing"
    assert d.cli("export", env={"DO_NOT_TRACK": "1"}).returncode == 1


def test_status_names_the_files_and_lines_of_endpoint_and_product(binary, vendor):
    dropins = vendor / "telemetry.conf.d"
    dropins.mkdir()
    (dropins / "50-acme.conf").write_text("[Telemetry]\nEndpoint=https://telemetry.acme.example/v1\n[Product]\nName=acme-pro\n")
    p = run(binary, vendor, "status")
    lines = dict(l.split(": ", 1) for l in p.stdout.splitlines())
    assert lines["Endpoint set by"] == f"{dropins}/50-acme.conf:2"
    assert lines["Product"].startswith(f"acme-pro 4.2.1 (Name= at {dropins}/50-acme.conf:4, version from {vendor}/VERSION (VersionFile= at {vendor}/telemetry.conf:")
    doc = json.loads(run(binary, vendor, "status", "--json").stdout)
    assert doc["product"] == {"name": "acme-pro", "version": "4.2.1"}
    assert doc["endpointFrom"] == f"{dropins}/50-acme.conf:2"


def _cgroup_v1(controller: str) -> pathlib.Path | None:
    p = pathlib.Path("/sys/fs/cgroup") / controller
    return p if (p / "cgroup.procs").exists() and os.access(p, os.W_OK) else None


def test_in_a_container_memory_and_cores_are_the_containers(binary, tmp_path, schema):
    """systemd-nspawn started inside a memory cgroup of 512 MiB and a CPU quota of one and a half CPUs."""
    mem, cpu = _cgroup_v1("memory"), _cgroup_v1("cpu")
    if not (shutil.which("systemd-nspawn") and mem and cpu and os.geteuid() == 0):
        pytest.skip("needs root, systemd-nspawn and writable cgroup v1 memory and cpu hierarchies")
    name = f"telemetryd-test-{uuid.uuid4().hex[:8]}"
    groups = [mem / name, cpu / name]
    for g in groups:
        g.mkdir()
    try:
        (mem / name / "memory.limit_in_bytes").write_text("536870912")
        (cpu / name / "cpu.cfs_quota_us").write_text("150000")
        (cpu / name / "cpu.cfs_period_us").write_text("100000")

        def enter():
            for g in groups:
                (g / "cgroup.procs").write_text(str(os.getpid()))

        (tmp_path / "telemetry.conf").write_text(config_text("http://127.0.0.1:9/"))
        bindir = pathlib.Path(binary).resolve().parent
        p = subprocess.run(["systemd-nspawn", "-q", "-D", "/", "--volatile=yes", "--register=no", "--keep-unit", "--pipe",
                            f"--bind-ro={bindir}:/opt/telemetryd-bin", f"--bind-ro={tmp_path}:/opt/telemetryd-conf",
                            *(f"--bind-ro={d}" for d in foreign_library_dirs(binary)), "--",
                            f"/opt/telemetryd-bin/{pathlib.Path(binary).name}", "show", "--type", "diagnostics",
                            "--config", "/opt/telemetryd-conf/telemetry.conf", "--state-dir", "/tmp/state"],
                           capture_output=True, text=True, timeout=60, preexec_fn=enter, stdin=subprocess.DEVNULL)
        assert p.returncode == 0, p.stderr
        [doc] = json_documents(p.stdout)
        jsonschema.Draft202012Validator(schema).validate(doc)
        data = doc["data"]
        host_total = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal:")).split()[1]) * 1024
        assert data["container"] == "systemd-nspawn"
        assert data["memory"]["totalBytes"] == 536870912
        assert data["memory"]["hostTotalBytes"] == host_total
        assert data["cpu"]["hostLogicalCores"] == os.cpu_count()
        assert data["cpu"]["logicalCores"] == min(2, os.cpu_count())
    finally:
        for g in groups:
            for _ in range(50):
                try:
                    g.rmdir()
                    break
                except OSError:
                    time.sleep(0.1)


def test_vendor_dropin_in_usr_lib_cat_config_and_operator_precedence(binary, tmp_path):
    """In a container with the real paths: /usr/lib/telemetryd/telemetry.conf.d/ from the vendor's package, an
    operator's /etc drop-in; `systemd-analyze cat-config` lists exactly the files telemetryd reads, in its order."""
    if not (shutil.which("systemd-nspawn") and shutil.which("systemd-analyze") and os.geteuid() == 0):
        pytest.skip("needs root, systemd-nspawn and systemd-analyze")
    vendor = tmp_path / "usrlib" / "telemetryd" / "telemetry.conf.d"
    vendor.mkdir(parents=True)
    (vendor / "50-acme.conf").write_text("[Telemetry]\nEndpoint=https://telemetry.acme.example/v1/reports\n"
                                         "[Product]\nName=acme-db\nVersion=4.2.1\n")
    (vendor / "20-acme-defaults.conf").write_text("[Telemetry]\nDryRun=yes\n")
    etc = tmp_path / "etc"
    (etc / "telemetry.conf.d").mkdir(parents=True)
    (etc / "telemetry.conf").write_text("[Telemetry]\n")
    (etc / "telemetry.conf.d" / "60-local.conf").write_text("[Telemetry]\nEndpoint=https://collector.internal.example/v1\n")
    (etc / "telemetry.conf.d" / "20-acme-defaults.conf").write_text("# the operator masks the vendor's file of this name\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    try:
        os.link(binary, bindir / "telemetryd")
    except OSError:
        shutil.copy2(binary, bindir / "telemetryd")
    for d in (tmp_path, tmp_path / "usrlib", tmp_path / "usrlib" / "telemetryd", vendor, bindir):
        os.chmod(d, 0o755)
    script = ("systemd-analyze cat-config --no-pager telemetryd/telemetry.conf | grep '^# /'; echo ---; "
              "telemetryd status --json --state-dir /tmp/state; echo ---; telemetryd status --state-dir /tmp/state")
    p = subprocess.run(["systemd-nspawn", "-q", "-D", "/", "--volatile=yes", "--register=no", "--keep-unit", "--pipe",
                        f"--overlay-ro=/usr/bin:{bindir}:/usr/bin", f"--overlay-ro=/usr/lib:{tmp_path / 'usrlib'}:/usr/lib",
                        f"--bind-ro={etc}:/etc/telemetryd",
                        *(f"--bind-ro={d}" for d in foreign_library_dirs(binary)), "--", "/bin/sh", "-c", script],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    listed, status_json, status = p.stdout.split("---\n")
    assert p.returncode == 0, p.stderr
    files = [l[2:] for l in listed.splitlines()]
    doc = json.loads(status_json)
    assert files == doc["configFiles"] == [
        "/etc/telemetryd/telemetry.conf",
        "/etc/telemetryd/telemetry.conf.d/20-acme-defaults.conf",
        "/usr/lib/telemetryd/telemetry.conf.d/50-acme.conf",
        "/etc/telemetryd/telemetry.conf.d/60-local.conf",
    ]
    assert doc["endpoint"] == "https://collector.internal.example/v1", "the operator's later drop-in wins"
    assert doc["endpointFrom"] == "/etc/telemetryd/telemetry.conf.d/60-local.conf:2"
    assert doc["dryRun"] is False, "the vendor's 20-acme-defaults.conf is masked by the operator's"
    assert doc["product"] == {"name": "acme-db", "version": "4.2.1"}
    assert ("Product: acme-db 4.2.1 (Name= at /usr/lib/telemetryd/telemetry.conf.d/50-acme.conf:4, "
            "Version= at /usr/lib/telemetryd/telemetry.conf.d/50-acme.conf:5)") in status
