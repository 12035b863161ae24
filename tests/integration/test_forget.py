"""Erasure on request, the agent's side: the erasure key and its hash in every report, `telemetryd forget` and
`telemetryd disable --forget` against the real telemetry-collector (up, down, back again) and the real daemon.

The collector does not erase yet: it refuses a forget report with 400 ("does not implement erasure"), and the agent
then keeps its state. What needs the collector's side (a 2xx that erases, the database emptied of the install, a 403
for a forged key, a fresh identity afterwards) is written out in full below and skipped while the collector answers
so, with the reason "collector erasure not yet implemented": each such test runs by itself once it does.
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

NOT_YET = "collector erasure not yet implemented"
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
    """What the collector's database holds of one install, table by table."""
    with sqlite3.connect(c.db_path) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t} WHERE instance_id = ?", (instance_id,)).fetchone()[0]
                for t in ("reports", "install_days", "installs")}


def skip_unless_erasing(r) -> None:
    """Skips the rest of an end-to-end test while the collector refuses forget reports (today's answer)."""
    if r.returncode == 1 and "refused the request to erase this install (HTTP 400)" in r.stderr:
        pytest.skip(NOT_YET)


@pytest.fixture
def reported(make_collector, make_daemon):
    """A real collector and a running daemon whose first two reports it stored."""
    c = make_collector().start()
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
def test_forget_reaches_the_collector_which_refuses_it_today_and_the_state_stays(reported):
    c, d = reported
    instance = (d.state_dir / "instance-id").read_text().strip()
    r = d.cli("forget")
    if r.returncode == 0:
        pytest.skip("the collector erases now: see test_forget_erases_the_install_everywhere")
    assert r.returncode == 1
    assert "refused the request to erase this install (HTTP 400)" in r.stderr, r.stderr
    assert "nothing was erased" in r.stderr
    # Dropped (retrying cannot help), and nothing of the install deleted on either side.
    assert spooled(d, "forget") == []
    assert (d.state_dir / "instance-id").read_text().strip() == instance
    assert (d.state_dir / "erasure-key").exists()
    assert stored(c, instance)["reports"] == 2


def test_forget_erases_the_install_everywhere(reported, make_daemon):
    c, d = reported
    instance = (d.state_dir / "instance-id").read_text().strip()
    key = erasure_key(d)
    r = d.cli("forget")
    skip_unless_erasing(r)
    assert r.returncode == 0, r.stderr
    assert "erased this install" in r.stdout
    assert stored(c, instance) == {"reports": 0, "install_days": 0, "installs": 0}
    for name in ("instance-id", "erasure-key", "cluster-id", "machine-app-id", "state.json", "spool", "sent"):
        assert not (d.state_dir / name).exists(), name
    # The running daemon was told: its next reports come under a fresh identity, which the collector takes.
    d.wait_for(r"Reloaded configuration", timeout=10)
    e = d.wait_for_event(result="sent", type="keepalive", timeout=30, count=2)
    fresh = (d.state_dir / "instance-id").read_text().strip()
    assert fresh != instance and erasure_key(d) != key
    assert stored(c, fresh)["reports"] >= 1 and stored(c, instance)["reports"] == 0, e


def test_a_forged_key_is_refused_with_403_and_nothing_is_erased(reported):
    c, d = reported
    instance = (d.state_dir / "instance-id").read_text().strip()
    d.stop()
    (d.state_dir / "erasure-key").write_text(os.urandom(32).hex() + "\n")
    r = d.cli("forget")
    skip_unless_erasing(r)
    assert r.returncode == 1
    assert "HTTP 403" in r.stderr and "Nothing was erased" in r.stderr
    assert spooled(d, "forget") == [], "a wrong key is not retried"
    assert stored(c, instance)["reports"] == 2
    assert (d.state_dir / "instance-id").exists()


# ------------------------------------------------------------------------------------------ collector down
def test_forget_while_the_collector_is_down_is_queued_and_the_daemon_delivers_it(reported, make_collector, schema):
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
    back = make_collector(settings={"Listen": address}).start()
    outcome = d.wait_for(lambda line: "TELEMETRY_TYPE=forget" in line and
                         ("TELEMETRY_RESULT=sent" in line or "TELEMETRY_RESULT=rejected" in line), timeout=30)
    assert spooled(d, "forget") == []
    if "TELEMETRY_RESULT=rejected" in outcome and "TELEMETRY_HTTP_STATUS=400" in outcome:
        # Today: refused and dropped, and nothing erased.
        assert (d.state_dir / "instance-id").read_text().strip() == instance
        pytest.skip(NOT_YET)
    d.wait_for(r"The collector erased instance", timeout=10)
    assert stored(back, instance) == {"reports": 0, "install_days": 0, "installs": 0}
    assert not (d.state_dir / "instance-id").exists() and not (d.state_dir / "erasure-key").exists()


def test_disable_forget_keeps_only_the_forget_report_and_sends_nothing_else(reported, make_collector):
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

    back = make_collector(settings={"Listen": address}).start()
    outcome = d.wait_for(lambda line: "TELEMETRY_TYPE=forget" in line and
                         ("TELEMETRY_RESULT=sent" in line or "TELEMETRY_RESULT=rejected" in line), timeout=30)
    # Nothing but the forget report was attempted while disabled, whatever the collector made of it.
    others = [l for l in d.lines[mark:] if "TELEMETRY_TYPE=" in l and "TELEMETRY_TYPE=forget" not in l]
    assert others == []
    if "TELEMETRY_HTTP_STATUS=400" in outcome:
        assert (d.state_dir / "instance-id").read_text().strip() == instance
        assert stored(back, instance)["reports"] == 2, "nothing new stored"
        pytest.skip(NOT_YET)
    d.wait_for(r"The collector erased instance", timeout=10)
    assert stored(back, instance) == {"reports": 0, "install_days": 0, "installs": 0}
    for name in ("instance-id", "erasure-key", "cluster-id", "state.json", "spool"):
        assert not (d.state_dir / name).exists(), name
    # It stays disabled, and writes no fresh identity while it is.
    d.reload()
    d.wait_for(r"Reloaded configuration", timeout=10, count=2)
    assert not (d.state_dir / "instance-id").exists()
