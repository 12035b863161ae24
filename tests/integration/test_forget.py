"""Erasure on request end to end: the erasure key and its hash in every report, `telemetryd forget` and
`telemetryd disable --forget` against the real telemetry-collector (up, down, back again) on SQLite and on
PostgreSQL, and the real daemon. What the collector holds afterwards is read from the database itself: no row of any
table mentions the erased install.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat

import jsonschema
import pytest

from conftest import config_text

HEX64 = set("0123456789abcdef")


def erasure_key(d) -> str:
    key = (d.state_dir / "erasure-key").read_text().strip()
    assert len(key) == 64 and set(key) <= HEX64, key
    return key


def key_hash(key: str) -> str:
    return hashlib.sha256(bytes.fromhex(key)).hexdigest()


def spooled(d, kind: str | None = None) -> list[dict]:
    docs = [json.loads(p.read_text()) for p in d.spool]
    return [r for r in docs if kind is None or r["type"] == kind]


def stored(c, instance_id: str) -> dict[str, int]:
    """What the collector's database holds of one install, table by table (SQLite or PostgreSQL)."""
    tables = ("reports", "install_days", "installs")
    if c.pg is not None:
        return {t: int(c.pg.psql(f"SELECT count(*) FROM {t} WHERE instance_id = '{instance_id}'").strip()) for t in tables}
    with sqlite3.connect(c.db_path) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t} WHERE instance_id = ?", (instance_id,)).fetchone()[0]
                for t in tables}


def mentions(c, text: str) -> dict[str, int]:
    """Every table of the collector's database (whatever its schema) and how many of its rows hold `text` anywhere."""
    assert set(text) <= HEX64 | set("-"), text
    if c.pg is not None:
        out = c.pg.psql(f"""
            SELECT table_name || '|' || (xpath('/row/n/text()', query_to_xml(format(
                'SELECT count(*) AS n FROM %I t WHERE lower(t::text) LIKE %L', table_name, '%{text}%'), false, true, '')))[1]::text
            FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'""")
        found = dict(line.split("|") for line in out.split())
        assert "installs" in found, out
        return {t: int(n) for t, n in found.items() if int(n)}
    found = {}
    with sqlite3.connect(c.db_path) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            columns = [r[1] for r in db.execute(f"PRAGMA table_info('{table}')")]
            joined = " || '|' || ".join(f'coalesce(CAST("{col}" AS TEXT), \'\')' for col in columns)
            n = db.execute(f'SELECT count(*) FROM "{table}" WHERE instr(lower({joined}), ?) > 0', (text,)).fetchone()[0]
            if n:
                found[table] = n
    assert found or c.db_path.exists()
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    """The collector's database: None for SQLite (its file in the collector's directory), else a fresh PostgreSQL."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres")


@pytest.fixture
def collector_on(make_collector, database):
    """Factory: a collector (not started) on the test's database, the same one each time."""
    def make(**settings):
        c = make_collector(settings={**(database.collector_config() if database else {}), **settings})
        c.pg = database
        return c
    return make


@pytest.fixture
def reported(collector_on, make_daemon):
    """A real collector and a running daemon whose first two reports it stored."""
    c = collector_on().start()
    d = make_daemon(config_text(c.endpoint)).start()
    d.wait_for_event(result="sent", type="keepalive", timeout=30)
    d.wait_for_event(result="sent", type="diagnostics", timeout=30)
    return c, d


# ------------------------------------------------------------------------------------------ the key and its hash
def test_every_report_carries_the_hash_of_a_private_key_that_never_leaves(reported, schema):
    c, d = reported
    key = erasure_key(d)
    mode = stat.S_IMODE(os.stat(d.state_dir / "erasure-key").st_mode)
    assert mode == 0o600, oct(mode)
    instance = (d.state_dir / "instance-id").read_text().strip()
    if c.pg is not None:
        bodies = [json.loads(b) for b in c.pg.psql(f"SELECT body::text FROM reports WHERE instance_id = '{instance}'").splitlines() if b]
    else:
        with sqlite3.connect(c.db_path) as db:
            bodies = [json.loads(b) for (b,) in db.execute("SELECT body FROM reports WHERE instance_id = ?", (instance,))]
    assert sorted(b["type"] for b in bodies) == ["diagnostics", "keepalive"]
    for b in bodies:
        assert b["erasureKeyHash"] == key_hash(key)
        jsonschema.Draft202012Validator(schema).validate(b)
    # Byte for byte what left the host: the hash, never the key.
    for sent in (d.state_dir / "sent").glob("*.json"):
        text = sent.read_text()
        assert key_hash(key) in text and key not in text, sent.name


def test_show_and_send_have_no_forget_type(reported):
    _, d = reported
    key = erasure_key(d)
    for args in (("show", "--type", "forget"), ("send", "--type", "forget")):
        r = d.cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert key not in r.stdout + r.stderr
    shown = d.cli("show")
    assert shown.returncode == 0 and key_hash(key) in shown.stdout and key not in shown.stdout


# ------------------------------------------------------------------------------------------ refusals
def test_forget_under_format_segment_is_a_usage_error_and_changes_nothing(make_daemon):
    d = make_daemon(config_text("http://127.0.0.1:9/v1/reports", telemetry={"Format": "segment"}))
    assert d.cli("send").returncode == 1  # makes the identity
    for args in (("forget",), ("disable", "--forget")):
        r = d.cli(*args)
        assert r.returncode == 2, r.stderr
        assert "Format=segment" in r.stderr and "no erasure call" in r.stderr
    assert d.spool == []
    assert not (d.dir / "telemetry.conf.d" / "50-cli.conf").exists(), "disable --forget refused: nothing disabled"


def test_forget_under_dry_run_sends_nothing(make_daemon, collector):
    d = make_daemon(config_text(collector.url, telemetry={"DryRun": "yes"}))
    r = d.cli("forget")
    assert r.returncode == 1 and "DryRun=yes" in r.stderr, r.stderr
    assert collector.requests == [] and d.spool == []


def test_forget_with_nothing_reported_has_nothing_to_forget(make_daemon, collector):
    d = make_daemon(config_text(collector.url))
    r = d.cli("forget")
    assert r.returncode == 0, r.stderr
    assert "Nothing to forget" in r.stdout
    assert collector.requests == []
    assert not (d.state_dir / "instance-id").exists(), "no identity made just to forget it"


# ------------------------------------------------------------------------------------------ against the collector
def _remade_or_gone(p, before):
    """Whether a state file or directory seen as `before` (from `_seen`) was deleted: it is gone, or what is there
    now is another object. The file system may give a fresh file the inode number just freed, and some files are
    remade with the same bytes (machine-app-id is derived from the machine ID), so a file is compared by inode and
    change time (a new file's is later), a directory by inode and entries (none of the old ones may remain)."""
    if not p.exists():
        return True
    now = _seen(p)
    if now[0] != before[0]:
        return True
    if p.is_dir() and before[2]:
        return not set(before[2]) & set(now[2])
    return now[1] != before[1]


def _seen(p):
    st = p.stat()
    return st.st_ino, st.st_ctime_ns, tuple(e.name for e in p.iterdir()) if p.is_dir() else ()


def test_forget_erases_the_install_everywhere(reported, make_daemon):
    c, d = reported
    instance = (d.state_dir / "instance-id").read_text().strip()
    key = erasure_key(d)
    assert mentions(c, instance) != {}
    names = ("instance-id", "erasure-key", "cluster-id", "machine-app-id", "state.json", "spool", "sent")
    before = {n: _seen(d.state_dir / n) for n in names if (d.state_dir / n).exists()}
    r = d.cli("forget")
    assert r.returncode == 0, r.stderr
    assert "erased this install" in r.stdout
    assert stored(c, instance) == {"reports": 0, "install_days": 0, "installs": 0}
    assert mentions(c, instance) == {} and mentions(c, key) == {}
    c.wait_for(r"Erased an install at its request: 2 raw reports", timeout=10)
    assert instance not in c.output
    # Deleted; the running daemon, told at once, may already have made its fresh state.
    for name, seen in before.items():
        assert _remade_or_gone(d.state_dir / name, seen), name
    # The running daemon was told: its next reports come under a fresh identity, which the collector takes.
    d.wait_for(r"Reloaded configuration", timeout=10)
    e = d.wait_for_event(result="sent", type="keepalive", timeout=30, count=2)
    fresh = (d.state_dir / "instance-id").read_text().strip()
    assert fresh != instance and erasure_key(d) != key
    assert stored(c, fresh)["reports"] >= 1 and mentions(c, instance) == {}, e


def test_a_forged_key_is_refused_with_403_and_nothing_is_erased(reported):
    c, d = reported
    instance = (d.state_dir / "instance-id").read_text().strip()
    d.stop()
    (d.state_dir / "erasure-key").write_text(os.urandom(32).hex() + "\n")
    r = d.cli("forget")
    assert r.returncode == 1
    assert "HTTP 403" in r.stderr and "Nothing was erased" in r.stderr
    assert spooled(d, "forget") == [], "a wrong key is not retried"
    assert stored(c, instance)["reports"] == 2
    assert (d.state_dir / "instance-id").exists()


# ------------------------------------------------------------------------------------------ collector down
def test_forget_while_the_collector_is_down_is_queued_and_the_daemon_delivers_it(reported, collector_on, schema):
    c, d = reported
    address = c.address
    instance = (d.state_dir / "instance-id").read_text().strip()
    key = erasure_key(d)
    assert c.stop() == 0
    r = d.cli("forget")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not confirmed yet" in r.stderr and "is queued in" in r.stderr, r.stderr
    assert f"the running daemon (PID {d.proc.pid}) delivers it" in r.stderr
    [queued] = spooled(d, "forget")
    jsonschema.Draft202012Validator(schema).validate(queued)
    assert queued["instanceId"] == instance
    assert queued["data"] == {"erasureKey": key} and queued["erasureKeyHash"] == key_hash(key)
    assert "product" not in queued
    # The command woke the daemon, which tries it too (and keeps it: the collector is still down).
    d.wait_for(r"Reloaded configuration", timeout=10)
    d.wait_for_event(type="forget", result="retrying", timeout=30)
    assert (d.state_dir / "instance-id").exists()

    # The collector comes back on the same address: the daemon delivers the queued report on its own.
    back = collector_on(Listen=address).start()
    outcome = d.wait_for(lambda line: "TELEMETRY_TYPE=forget" in line and
                         ("TELEMETRY_RESULT=sent" in line or "TELEMETRY_RESULT=rejected" in line), timeout=30)
    assert "TELEMETRY_RESULT=sent" in outcome, outcome
    assert spooled(d, "forget") == []
    d.wait_for(r"The collector erased instance", timeout=10)
    assert stored(back, instance) == {"reports": 0, "install_days": 0, "installs": 0}
    assert mentions(back, instance) == {} and mentions(back, key) == {}
    assert not (d.state_dir / "instance-id").exists() and not (d.state_dir / "erasure-key").exists()


def test_disable_forget_keeps_only_the_forget_report_and_sends_nothing_else(reported, collector_on):
    c, d = reported
    address = c.address
    instance = (d.state_dir / "instance-id").read_text().strip()
    assert c.stop() == 0
    mark = len(d.lines)
    r = d.cli("disable", "--forget")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Telemetry disabled" in r.stdout
    assert "is queued in" in r.stderr
    assert "Enable=no" in (d.dir / "telemetry.conf.d" / "50-cli.conf").read_text()
    # The daemon reloaded into the opt-out: the spool is purged but for the request to erase.
    d.wait_for(r"Telemetry disabled by", timeout=10)
    d.wait_for(r"Spool purged: .*request to erase this install \(1 forget report\)", timeout=10)
    assert [p.name.split("-")[1] for p in d.spool] == ["forget"]

    back = collector_on(Listen=address).start()
    outcome = d.wait_for(lambda line: "TELEMETRY_TYPE=forget" in line and
                         ("TELEMETRY_RESULT=sent" in line or "TELEMETRY_RESULT=rejected" in line), timeout=30)
    assert "TELEMETRY_RESULT=sent" in outcome, outcome
    # Nothing but the forget report was attempted while disabled.
    others = [l for l in d.lines[mark:] if "TELEMETRY_TYPE=" in l and "TELEMETRY_TYPE=forget" not in l]
    assert others == []
    d.wait_for(r"The collector erased instance", timeout=10)
    assert stored(back, instance) == {"reports": 0, "install_days": 0, "installs": 0}
    assert mentions(back, instance) == {}
    for name in ("instance-id", "erasure-key", "cluster-id", "state.json", "spool"):
        assert not (d.state_dir / name).exists(), name
    # It stays disabled, and writes no fresh identity while it is.
    d.reload()
    d.wait_for(r"Reloaded configuration", timeout=10, count=2)
    assert not (d.state_dir / "instance-id").exists()
