"""One version for the project: written once, in Sources/TelemetryWire/ProjectVersion.swift. Both binaries
print it, scripts/build-deb names the packages after what the binary prints (test_package checks the .deb), and the
README's examples use it. A second version literal anywhere in the Swift sources is a failure."""
from __future__ import annotations

import re
import subprocess

import pytest

from conftest import COLLECTOR_BIN, ROOT

SOURCE = ROOT / "Sources/TelemetryWire/ProjectVersion.swift"


def project_version() -> str:
    m = re.search(r'public static let string = "([^"]+)"', SOURCE.read_text())
    assert m, f"no version in {SOURCE}"
    return m.group(1)


def test_the_version_is_a_debian_upstream_version():
    assert re.fullmatch(r"[0-9][A-Za-z0-9.+~]*", project_version())


def test_both_binaries_print_it(binary):
    version = project_version()
    assert subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip() == version
    if not COLLECTOR_BIN.exists():
        pytest.skip(f"no collector binary at {COLLECTOR_BIN}")
    out = subprocess.run([str(COLLECTOR_BIN), "--version"], capture_output=True, text=True, check=True).stdout
    assert out.strip() == version


def test_no_other_version_literal_in_the_swift_sources():
    # `version = "1.2.3"` or `version: "1.2.3"` outside ProjectVersion.swift would be a second source.
    literal = re.compile(r'\bversion\s*[:=]\s*"\d+\.\d+\.\d+[^"]*"')
    found = [f"{p.relative_to(ROOT)}:{n}" for root in ("Sources", "Collector/Sources")
             for p in sorted((ROOT / root).rglob("*.swift")) if p != SOURCE
             for n, line in enumerate(p.read_text().splitlines(), 1) if literal.search(line)]
    assert not found, f"version literals besides {SOURCE.relative_to(ROOT)}: {found}"


def test_the_readme_installs_packages_of_this_version():
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"\./(?:telemetryd|telemetry-collector)_([^_\s]+)-1_amd64\.deb", readme))
    assert named == {project_version()}, named
