"""Shared fixtures of the integration suite. Paths come from the environment (see the Makefile):
TELEMETRYD_BIN, TELEMETRYD_UNIT, TELEMETRYD_CATALOG, TELEMETRYD_SCHEMA, relative to the repo root by default."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import sys
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import certs as certs_mod  # noqa: E402
from collector import Collector  # noqa: E402
from daemon import Daemon  # noqa: E402
import nspawn  # noqa: E402
import postgres as postgres_mod  # noqa: E402
import proxy  # noqa: E402

ROOT = HERE.parents[1]


def _path(var: str, default: str) -> pathlib.Path:
    p = pathlib.Path(os.environ.get(var) or default)
    return p if p.is_absolute() else (ROOT / p)


BIN = _path("TELEMETRYD_BIN", ".build/debug/telemetryd")
UNIT = _path("TELEMETRYD_UNIT", "systemd/telemetryd.service")
CATALOG = _path("TELEMETRYD_CATALOG", "systemd/telemetryd.catalog")
SCHEMA = _path("TELEMETRYD_SCHEMA", "schema/report-v1.schema.json")


def config_text(endpoint: str, telemetry: dict | None = None, transport: dict | None = None,
                spool: dict | None = None) -> str:
    """A telemetry.conf for tests: the endpoint, no jitter, long intervals (one report of each type at start)."""
    t = {"Endpoint": endpoint, "RandomizedDelaySec": "0", "KeepAliveIntervalSec": "1h",
         "DiagnosticsIntervalSec": "1h"}
    t.update(telemetry or {})
    tr = {"RetryMinSec": "1s", "RetryMaxSec": "2s", "TimeoutSec": "5s"}
    tr.update(transport or {})
    out = ["[Telemetry]", *(f"{k}={v}" for k, v in t.items()), "", "[Transport]",
           *(f"{k}={v}" for k, v in tr.items())]
    if spool:
        out += ["", "[Spool]", *(f"{k}={v}" for k, v in spool.items())]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="session")
def binary() -> str:
    if not BIN.exists():
        pytest.fail(f"telemetryd binary not found at {BIN}: build it (swift build) or set TELEMETRYD_BIN")
    return str(BIN)


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA.read_text())


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> certs_mod.Certs:
    return certs_mod.make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def collector():
    with Collector() as c:
        yield c


@pytest.fixture
def https_collector(certs):
    with Collector(tls=certs.server_context()) as c:
        yield c


@pytest.fixture
def postgres():
    """A fresh PostgreSQL server on 127.0.0.1 (postgres.py); skipped, with the reason, when its binaries are missing."""
    reason = postgres_mod.missing_preconditions()
    if reason:
        pytest.skip(reason)
    with postgres_mod.Postgres() as pg:
        yield pg


@pytest.fixture
def make_daemon(binary, tmp_path):
    """Factory: make_daemon(config_text, env={...}, name="d") -> Daemon (not started). All are killed at teardown."""
    made: list[Daemon] = []

    def make(config: str | None = None, env: dict | None = None, name: str = "d", args=()) -> Daemon:
        d = Daemon(binary, tmp_path / name, config=config, env=env, args=tuple(args))
        made.append(d)
        return d

    yield make
    for d in made:
        d.kill()


def json_documents(text: str) -> list[dict]:
    """The JSON documents printed one after another (`telemetryd show` prints one a report, pretty-printed)."""
    dec, docs, i, text = json.JSONDecoder(), [], 0, text.strip()
    while i < len(text):
        doc, i = dec.raw_decode(text, i)
        docs.append(doc)
        while i < len(text) and text[i].isspace():
            i += 1
    return docs


@pytest.fixture
def tinyproxy(tmp_path):
    """tinyproxy on 127.0.0.1 (proxy.py); skipped, with the reason, when it is not installed."""
    reason = proxy.missing_preconditions()
    if reason:
        pytest.skip(reason)
    with proxy.Tinyproxy(tmp_path / "proxy") as p:
        yield p


# ---------------------------------------------------------------- telemetryd under a real systemd (nspawn.py)
@contextlib.contextmanager
def booted_container(tmp_path_factory, binary: str, name: str, config: str, *, confdir_writable: bool = False,
                     require_catalog: bool = False):
    """A throwaway systemd-nspawn container with the telemetryd unit, booted and running, its /etc/telemetryd a host
    temp dir holding `config` as telemetry.conf (read-write when `confdir_writable`). Yields (container, confdir).
    Skipped, with the reason, where containers cannot run; a missing unit (or catalog, when required) fails."""
    reason = nspawn.missing_preconditions()
    if reason:
        pytest.skip(reason)
    if not UNIT.exists():
        pytest.fail(f"unit file not found at {UNIT}: set TELEMETRYD_UNIT or add systemd/telemetryd.service")
    if require_catalog and not CATALOG.exists():
        pytest.fail(f"catalog not found at {CATALOG}: set TELEMETRYD_CATALOG or add systemd/telemetryd.catalog")
    tmp = tmp_path_factory.mktemp(name)
    confdir = tmp / "etc-telemetryd"
    confdir.mkdir()
    confdir.chmod(0o755)   # the unit's dynamic user reads it
    (confdir / "telemetry.conf").write_text(config)
    (confdir / "telemetry.conf").chmod(0o644)
    container = nspawn.Container(unit=str(UNIT), binary=binary, confdir=str(confdir), confdir_writable=confdir_writable,
                                 catalog=str(CATALOG) if CATALOG.exists() else None,
                                 log_path=str(tmp / "nspawn.log"))
    with container:
        container.wait_until_running(timeout=60)
        yield container, confdir


def start_unit(container, verb: str = "start") -> None:
    """`systemctl start|restart telemetryd.service` in the container; fails with its status and journal if it fails."""
    p = container.run("systemctl", verb, "telemetryd.service", timeout=30)
    if p.returncode != 0:
        status = container.run("systemctl", "status", "--no-pager", "-l", "telemetryd").stdout
        log = container.run("journalctl", "--no-pager", "-b", "-u", "telemetryd").stdout
        pytest.fail(f"systemctl {verb} telemetryd exited {p.returncode}: {p.stderr}\n{status}\n{log}")


def wait_until(pred, timeout=10.0, what="condition"):
    """Poll `pred` every 50 ms until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# ---------------------------------------------------------------- telemetry-collector
COLLECTOR_BIN = _path("COLLECTOR_BIN", "Collector/.build/debug/telemetry-collector")
COLLECTOR_UNIT = _path("COLLECTOR_UNIT", "systemd/telemetry-collector.service")
COLLECTOR_SOCKET = _path("COLLECTOR_SOCKET", "systemd/telemetry-collector.socket")


@pytest.fixture(scope="session")
def collector_binary() -> str:
    if not COLLECTOR_BIN.exists():
        pytest.fail(f"telemetry-collector binary not found at {COLLECTOR_BIN}: build it "
                    "(swift build --package-path Collector) or set COLLECTOR_BIN")
    return str(COLLECTOR_BIN)


@pytest.fixture
def make_collector(collector_binary, tmp_path):
    """Factory: make_collector(tokens=[...], settings={...}, name="c") -> CollectorProcess (not started)."""
    from telemetry_collector import CollectorProcess
    made = []

    def make(tokens=None, settings=None, name: str = "c", env=None, nofile=None):
        c = CollectorProcess(collector_binary, tmp_path / name, tokens=tokens, settings=settings, env=env, nofile=nofile)
        made.append(c)
        return c

    yield make
    for c in made:
        c.__exit__(None, None, None)
