"""The databases' own insert rate for the rows the collector writes per report: the ceiling its ingest can reach.

Each report the collector stores is one transaction of the same four writes in both stores: the raw report (deduped
by messageId), the install's day rollup and the install's row. Here the same rows go straight into the database with
the collector's own SQL, no HTTP, no JSON validation, no Swift:

- PostgreSQL: pgbench, the same client count as the load generator, each transaction one call of the collector's
  `collector_insert(...)` (created by the collector's migration) with a fresh messageId and one of the fleet's
  installs.
- SQLite: the sqlite3 shell running the SQLiteReportStore's statement (WAL, synchronous=NORMAL, one autocommitted
  INSERT a report whose triggers write the rollups, as the store does), from a script of the same reports.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin")


def _sql_text(s: str | None) -> str:
    return "NULL" if s is None else "'" + s.replace("'", "''") + "'"


def postgres_rate(pg, sample_body: dict, clients: int, seconds: int, database: str, installs: int = 10_000) -> dict:
    """Transactions per second pgbench reaches calling collector_insert with the given sample body."""
    body = json.dumps(sample_body, separators=(",", ":")).replace("'", "''")
    facts = ["'4.2.1'", "'debian 12'", "'x86_64'", "'kvm'", "'none'", "'3-4'", "'8-16GiB'"]
    product, rollup, counters = rollup_of(sample_body)
    names = "ARRAY[" + ", ".join(_sql_text(n) for n in counters) + "]::text[]"
    values = "ARRAY[" + ", ".join(str(v) for v in counters.values()) + "]::int8[]"
    script = (
        f"\\set inst random(1, {installs})\n"
        "SELECT collector_insert(gen_random_uuid(), 'keepalive', now(), md5(:inst::text)::uuid, "
        "md5(:inst::text || 'c')::uuid, now(), (now() AT TIME ZONE 'UTC')::date, "
        f"{', '.join(facts)}, {_sql_text(product)}, {_sql_text(rollup)}::jsonb, {names}, {values}, '{body}'::jsonb);\n"
    )
    d = tempfile.mkdtemp(prefix="pgbench-")
    try:
        path = os.path.join(d, "insert.sql")
        with open(path, "w") as f:
            f.write(script)
        os.chmod(d, 0o755)
        os.chmod(path, 0o644)
        cmd = [*pg._as_user, f"{PG_BIN}/pgbench", "-n", "-h", str(pg.dir), "-p", str(pg.port), "-U", "telemetry",
               "-c", str(clients), "-j", str(min(clients, 2)), "-T", str(seconds), "-f", path, "-r", database]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
        if r.returncode != 0:
            raise RuntimeError(f"pgbench failed: {r.stderr[-2000:]}")
        tps = float(re.search(r"tps = ([0-9.]+)", r.stdout).group(1))
        lat = re.search(r"latency average = ([0-9.]+) ms", r.stdout)
        return {"rate": tps, "latencyMsMean": float(lat.group(1)) if lat else None, "clients": clients}
    finally:
        shutil.rmtree(d, ignore_errors=True)


# The SQLiteReportStore's statement per report (Collector/Sources/CollectorSQLite/SQLiteReportStore.swift, insertSQL):
# keep in step with it. One INSERT into reports, autocommitted; the store's triggers (made by the collector's own
# migration of the file) write the rollups.
_DIMS = ["product_version", "os", "arch", "virtualization", "container", "cores", "memory"]


def number_code(x: float) -> int:
    """NumberHistogram.code(of:) (Collector/Sources/CollectorSummary/NumberHistogram.swift): keep in step with it."""
    if x == int(x) and abs(x) <= 1023:
        return int(x)
    m, e = math.frexp(abs(x))           # abs(x) = m * 2**e, m in [0.5, 1)
    code = 1_000_000 + (e + 1100) * 64 + min(63, int((m - 0.5) * 128))
    return -code if x < 0 else code


def rollup_of(r: dict) -> tuple[str | None, str | None, dict]:
    """The product name, the facts as the stores keep them (ValidatedReport.factsRollupJSON) and the counters above 0."""
    product = (r.get("product") or {}).get("name")
    d = r.get("data", {}) if r["type"] == "diagnostics" else {}
    facts = d.get("facts")
    rollup = None
    if facts is not None:
        rollup = json.dumps({k: v if isinstance(v, (bool, str)) else number_code(v) for k, v in sorted(facts.items())},
                            separators=(",", ":"))
    counters = {k: v for k, v in sorted((d.get("counters") or {}).items()) if v > 0}
    return product, rollup, counters


def _sqlite_report_sql(msg: str, day: str, at: int, typ: str, ts: int, inst: str, cluster: str, body: str,
                       facts: list[str | None], report: dict) -> str:
    vals = ", ".join(_sql_text(v) for v in facts)
    product, rollup, counters = rollup_of(report)
    counters_json = json.dumps(counters, separators=(",", ":")) if counters else None
    return (
        f"INSERT INTO reports (message_id, received_day, received_at, type, timestamp, instance_id, cluster_id, "
        f"{', '.join(_DIMS)}, product, facts, counters, body) VALUES ('{msg}', '{day}', {at}, '{typ}', {ts}, '{inst}', "
        f"'{cluster}', {vals}, {_sql_text(product)}, {_sql_text(rollup)}, {_sql_text(counters_json)}, "
        f"{_sql_text(body)}) ON CONFLICT (message_id) DO NOTHING RETURNING 1;\n"
    )


def sqlite_rate(db_path: str, reports: list[dict], facts_of) -> dict:
    """Reports per second the sqlite3 shell stores with the store's statements, into an already migrated file."""
    if shutil.which("sqlite3") is None:
        return {"rate": None, "note": "sqlite3 shell not installed"}
    now = int(time.time())
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    parts = ["PRAGMA journal_mode=WAL;", "PRAGMA synchronous=NORMAL;", "PRAGMA busy_timeout=5000;"]
    for r in reports:
        body = json.dumps(r, separators=(",", ":"))
        parts.append(_sqlite_report_sql(r["messageId"], day, now, r["type"], now, r["instanceId"], r["clusterId"],
                                        body, facts_of(r), r))
    script = "\n".join(parts)
    t = time.monotonic()
    p = subprocess.run(["sqlite3", db_path], input=script, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - t
    if p.returncode != 0:
        raise RuntimeError(f"sqlite3 failed: {p.stderr[-2000:]}")
    return {"rate": len(reports) / elapsed, "reports": len(reports), "seconds": elapsed, "clients": 1}
