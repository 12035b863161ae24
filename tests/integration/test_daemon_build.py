"""The daemon's build stays free of the collector's: its package graph names none of the collector's server and
database packages, and its binary carries none of their code (their Swift type names would survive stripping)."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from conftest import BIN, ROOT

COLLECTOR_ONLY = ("hummingbird", "postgres-nio", "sqlite-nio", "swift-prometheus")
COLLECTOR_MODULES = (b"Hummingbird", b"PostgresNIO", b"SQLiteNIO", b"Prometheus", b"CollectorStore")


def _names(node: dict) -> set[str]:
    out = {node.get("identity", "").lower()}
    for d in node.get("dependencies", []):
        out |= _names(d)
    return out


@pytest.mark.skipif(shutil.which("swift") is None, reason="no Swift toolchain")
def test_the_daemons_package_graph_has_none_of_the_collectors_packages():
    p = subprocess.run(["swift", "package", "show-dependencies", "--format", "json"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    names = _names(json.loads(p.stdout))
    assert "swift-nio" in names, names          # the graph was read
    assert not names & set(COLLECTOR_ONLY), sorted(names & set(COLLECTOR_ONLY))
    collector = subprocess.run(["swift", "package", "show-dependencies", "--format", "json"], cwd=ROOT / "Collector",
                               capture_output=True, text=True, timeout=300)
    assert collector.returncode == 0, collector.stderr[-2000:]
    assert set(COLLECTOR_ONLY) <= _names(json.loads(collector.stdout))   # the check above could fail


def test_the_collectors_targets_name_no_telemetry_core():
    # The collector shares the report's wire model (TelemetryWire) and the configuration grammar (ConfigGrammar)
    # with the daemon, not the daemon's own steps: no target of its package depends on TelemetryCore.
    manifest = (ROOT / "Collector/Package.swift").read_text()
    assert '.product(name: "TelemetryWire", package: "telemetryd")' in manifest      # the check below could fail
    assert '.product(name: "ConfigGrammar", package: "telemetryd")' in manifest
    assert "TelemetryCore" not in manifest
    imports = [str(p.relative_to(ROOT)) for d in ("Collector/Sources", "Collector/Tests") for p in (ROOT / d).rglob("*.swift")
               if "import TelemetryCore" in p.read_text()]
    assert not imports, imports


def test_the_daemon_binary_carries_no_collector_code():
    data = BIN.read_bytes()
    assert b"TelemetryCore" in data                 # type names are there to be found
    found = [m.decode() for m in COLLECTOR_MODULES if m in data]
    assert not found, found
