"""Both message catalogs as systemd itself reads them (journalctl --update-catalog into a scratch root): every event
the code logs with a MESSAGE_ID has exactly one entry, no entry is stray, and each names its package."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import ROOT

CATALOGS = [
    ("telemetryd", ROOT / "systemd/telemetryd.catalog", ROOT / "Sources/TelemetryCore/Events/TelemetryEvent.swift"),
    ("telemetry-collector", ROOT / "systemd/telemetry-collector.catalog",
     ROOT / "Collector/Sources/CollectorEvents/CollectorEvent.swift"),
]


def event_ids(source) -> dict[str, str]:
    """`case .name: "id"` of the event enum's messageID switch."""
    return {m.group(2): m.group(1) for m in re.finditer(r'case \.(\w+): "([0-9a-f]{32})"', source.read_text())}


@pytest.mark.skipif(shutil.which("journalctl") is None, reason="journalctl is not installed")
@pytest.mark.parametrize("package,catalog,source", CATALOGS, ids=[c[0] for c in CATALOGS])
def test_the_catalog_has_one_entry_per_event_as_journalctl_reads_it(package, catalog, source, tmp_path):
    target = tmp_path / "usr/lib/systemd/catalog"
    target.mkdir(parents=True)
    shutil.copy(catalog, target)
    subprocess.run(["journalctl", f"--root={tmp_path}", "--update-catalog"], check=True, capture_output=True)
    dump = subprocess.run(["journalctl", f"--root={tmp_path}", "--dump-catalog"], check=True,
                          capture_output=True, text=True).stdout
    entries = {}
    for block in re.split(r"^-- ", dump, flags=re.M)[1:]:
        head, _, body = block.partition("\n\n")
        lines = head.splitlines()
        fields = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        entries[lines[0].strip()] = (fields, body)
    ids = event_ids(source)
    assert len(ids) >= 5, f"no events found in {source}"
    missing = {name for i, name in ids.items() if i not in entries}
    assert not missing, f"{catalog.name}: no entry for {sorted(missing)}"
    stray = set(entries) - set(ids)
    assert not stray, f"{catalog.name}: entries for no event: {sorted(stray)}"
    for i, (fields, body) in entries.items():
        assert fields.get("Defined-By") == package, i
        assert fields.get("Support") == f"file:///usr/share/doc/{package}/README.md", i
        assert fields.get("Subject"), i
        assert len(body.strip()) > 40, f"{i}: body too short"
