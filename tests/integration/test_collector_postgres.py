"""The real telemetryd → the real telemetry-collector on a real PostgreSQL (postgres.py), as a vendor runs it with
Database=postgresql://… and PasswordFile=: reports arrive, the summary agrees with what was sent, and while the
database is down the collector answers 503 + Retry-After, the daemon keeps the report spooled and delivers it once
the database is back (exactly once: the collector stores it once)."""
from __future__ import annotations

import datetime
import gzip
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest

from conftest import ROOT, config_text, wait_until

COLLECTOR_BIN = pathlib.Path(os.environ.get("COLLECTOR_BIN") or ROOT / "Collector/.build/debug/telemetry-collector")


class CollectorProcess:
    """`telemetry-collector serve` on 127.0.0.1, port chosen by the kernel (read back from its log)."""

    def __init__(self, directory: pathlib.Path, settings: dict[str, str]):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.conf = self.dir / "collector.conf"
        lines = ["[Collector]", "Listen=127.0.0.1:0", *(f"{k}={v}" for k, v in settings.items())]
        self.conf.write_text("\n".join(lines) + "\n")
        self.log = self.dir / "collector.log"
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "CollectorProcess":
        if not COLLECTOR_BIN.exists():
            pytest.fail(f"telemetry-collector not found at {COLLECTOR_BIN}: build it (swift build --package-path "
                        f"Collector) or set COLLECTOR_BIN")
        self.proc = subprocess.Popen([str(COLLECTOR_BIN), "serve", "--config", str(self.conf)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "wb"), env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError(f"collector exited {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            for line in self.log.read_text(errors="replace").splitlines():
                if "listening on 127.0.0.1:" in line:
                    return int(line.split("listening on 127.0.0.1:", 1)[1].split(";")[0].split()[0])
            return None
        self.port = wait_until(listening, timeout=30, what="the collector to listen")
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def get(self, path: str) -> tuple[int, dict, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def post(self, body: bytes, gz: bool = True) -> tuple[int, dict, bytes]:
        headers = {"Content-Type": "application/json"}
        if gz:
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        req = urllib.request.Request(self.url + "/v1/reports", data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=15) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def summary(self, days: int = 1) -> dict:
        status, _, body = self.get(f"/api/v1/summary?days={days}")
        assert status == 200, body
        return json.loads(body)


@pytest.fixture
def pg_collector(postgres, tmp_path):
    c = CollectorProcess(tmp_path / "collector", postgres.collector_config()).start()
    yield c
    c.stop()


def _os_label() -> str:
    fields = {}
    for line in pathlib.Path("/etc/os-release").read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            fields[k] = v.strip().strip('"')
    return f"{fields.get('ID')} {fields.get('VERSION_ID')}".strip()


def test_daemons_report_to_a_collector_on_postgresql_and_the_summary_agrees(postgres, pg_collector, make_daemon):
    endpoint = pg_collector.url + "/v1/reports"
    daemons = [make_daemon(config_text(endpoint, telemetry={"ClusterID": "5f0c9a53-3f0e-4b6e-9d59-2d1b8a1f0c11"}),
                           name=f"node{i}") for i in range(2)]
    daemons.append(make_daemon(config_text(endpoint), name="alone"))
    for d in daemons:
        d.start()
    for d in daemons:
        d.wait_for_event(result="sent", type="keepalive", timeout=30)
        d.wait_for_event(result="sent", type="diagnostics", timeout=30)
    s = pg_collector.summary(days=1)
    assert s["activeInstalls"] == 3
    day = s["days"][0]
    assert day["newInstalls"] == 3
    assert day["byOS"] == {_os_label(): 3}
    assert sum(day["byArch"].values()) == 3
    assert s["clusters"]["count"] == 1 and s["clusters"]["bySize"] == {"2": 1}
    # Six reports stored once each, raw in today's partition, deduped by message_ids.
    assert postgres.psql("SELECT count(*) FROM reports").strip() == "6"
    assert postgres.psql("SELECT count(*) FROM message_ids").strip() == "6"
    assert postgres.psql("SELECT count(DISTINCT tableoid) FROM reports").strip() == "1"
    # The page shows the same number.
    status, headers, page = pg_collector.get("/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"<title>telemetry-collector: 3 active installs</title>" in page


def test_while_postgresql_is_down_ingest_answers_503_and_the_daemon_delivers_once_it_is_back(
        postgres, pg_collector, make_daemon, binary):
    endpoint = pg_collector.url + "/v1/reports"
    postgres.stop()
    # A report straight from `telemetryd show`: the answer itself.
    report = subprocess.run([binary, "show", "--type", "keepalive", "--state-dir", str(pg_collector.dir / "show")],
                            capture_output=True, check=True, timeout=30).stdout
    t = time.monotonic()
    status, headers, body = pg_collector.post(report)
    assert status == 503, body
    assert int(headers["Retry-After"]) > 0
    assert time.monotonic() - t < 10, "the 503 must come within the store's deadline, not after a hang"
    status, _, _ = pg_collector.get("/healthz")
    assert status == 503

    d = make_daemon(config_text(endpoint), name="patient")
    d.start()
    d.wait_for_event(result="retrying", type="keepalive", timeout=30)
    assert len(d.spool) == 2, "both reports stay spooled while the database is down"
    postgres.start()
    # The daemon honours the collector's Retry-After before it tries again.
    d.wait_for_event(result="sent", type="keepalive", timeout=90)
    d.wait_for_event(result="sent", type="diagnostics", timeout=30)
    wait_until(lambda: len(d.spool) == 0, timeout=10, what="an empty spool")
    assert pg_collector.summary(days=1)["activeInstalls"] == 1
    assert postgres.psql("SELECT count(*) FROM reports").strip() == "2"
    # Once only: sending the same report again is a duplicate.
    status, _, body = pg_collector.post(report)
    assert status == 202 and json.loads(body) == {"duplicate": False}
    status, _, body = pg_collector.post(report)
    assert status == 200 and json.loads(body) == {"duplicate": True}
    # The journal (stderr here) tells the outage once at its start and once at its end, not once per 503.
    log = pg_collector.log.read_text(errors="replace")
    assert log.count("answering reports 503 with Retry-After") == 1, log
    assert log.count("database available again after") == 1, log
    # postgres-nio's pool says "Connection creation failed" at info for every attempt, many a second while the
    # database is down: its logger is raised to warning (PostgresReportStore.poolLogger), so the journal keeps only
    # the collector's own two lines.
    assert "Connection creation failed" not in log, log


def test_import_into_postgresql_keeps_each_installs_order(postgres, pg_collector, binary, tmp_path):
    # Forty installs upgraded during one day, each one's two reports side by side: the import validates on every
    # core but stores in file order, so every install's day ends on the later version.
    shown = json.loads(subprocess.run([binary, "show", "--type", "keepalive", "--state-dir", str(tmp_path / "show")],
                                      capture_output=True, check=True, timeout=30).stdout)
    date = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)).strftime("%Y-%m-%d")
    lines = []
    for i in range(40):
        inst = str(uuid.uuid4())
        for hour, version in (("06", "1.0.0"), ("07", "2.0.0")):
            r = dict(shown, messageId=str(uuid.uuid4()), instanceId=inst, clusterId=inst,
                     timestamp=f"{date}T{hour}:00:00Z", product={"name": "acme", "version": version})
            lines.append(json.dumps(r))
    f = tmp_path / "upgrades.jsonl"
    f.write_text("\n".join(lines) + "\n")
    p = subprocess.run([str(COLLECTOR_BIN), "import", str(f), "--config", str(pg_collector.conf)], capture_output=True,
                       text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert p.returncode == 0 and "80 new, 0 duplicate, 0 rejected" in p.stdout, p.stderr
    [d] = [d for d in pg_collector.summary(days=30)["days"] if d["date"] == date]
    assert d["activeInstalls"] == 40
    assert d["byProductVersion"] == {"2.0.0": 40}, d["byProductVersion"]
