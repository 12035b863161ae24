"""The foreground daemon (`telemetryd run`) against a real collector on 127.0.0.1.

Every config has RandomizedDelaySec=0 and 1h intervals: exactly one keepalive and one diagnostics at start.
Retries are quick (RetryMinSec=1s, RetryMaxSec=2s). Every daemon is stopped with SIGTERM and must exit 0 within 1 s.
"""
from __future__ import annotations

import base64
import collections
import json
import re
import socket
import time

import jsonschema
import pytest

import proxy
from collector import Reply
from conftest import config_text, wait_until

TYPES = {"keepalive", "diagnostics"}


def of_type(t):
    return lambda r: r.method == "POST" and _type(r) == t


def _type(r):
    try:
        return r.json.get("type")
    except ValueError:
        return None


def quiet_for(collector, n, seconds=2.0):
    """Assert no request beyond the first n arrives within `seconds` (bounded, <= 2 s)."""
    with pytest.raises(AssertionError):
        collector.wait_for(n + 1, timeout=seconds)


# tinyproxy's BasicAuth takes no "@" or ":"; percent-encoded credentials are covered by the unit tests.
PROXY_USER, PROXY_PASSWORD = "alice", "s3cret-pw_7f3a"


@pytest.fixture
def auth_proxy(tmp_path):
    """tinyproxy that wants Basic proxy authentication (BasicAuth alice s3cret-pw_7f3a)."""
    reason = proxy.missing_preconditions()
    if reason:
        pytest.skip(reason)
    with proxy.Tinyproxy(tmp_path / "auth-proxy", basic_auth=(PROXY_USER, PROXY_PASSWORD)) as p:
        yield p


# ------------------------------------------------------------------ HTTPS, headers, gzip
def test_https_with_cafile_delivers_both_reports_gzipped(make_daemon, https_collector, certs, schema):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem)})).start()
    reqs = https_collector.wait_for(2, timeout=10)
    assert {_type(r) for r in reqs} == TYPES
    for r in reqs:
        assert r.method == "POST" and r.path == "/v1/reports"
        assert r.header("content-type").split(";")[0].strip() == "application/json"
        assert re.fullmatch(r"telemetryd/\d+\.\d+\.\d+\S*", r.header("user-agent") or ""), r.header("user-agent")
        assert r.gzipped and r.decode_error is None, "Compress=yes (default) gzips the body"
        jsonschema.Draft202012Validator(schema).validate(r.json)
    assert len({r.json["messageId"] for r in reqs}) == 2
    host = socket.gethostname()
    for r in reqs:
        if len(host) > 3:   # a short hostname ("vm") is a substring of honest values ("kvm")
            assert host.encode() not in r.body, "a report carries the hostname"
        assert f'"{host}"'.encode() not in r.body, "a report carries the hostname"
    for t in TYPES:
        ev = d.wait_for_event(result="sent", type=t, timeout=10)
        assert ev.get("TELEMETRY_HTTP_STATUS") == "200", ev
    assert d.spool == []
    state = json.loads((d.state_dir / "state.json").read_text())
    assert set(state["lastScheduled"]) == TYPES
    d.stop()


def test_https_without_cafile_refuses_the_unknown_ca(make_daemon, https_collector):
    d = make_daemon(config_text(https_collector.url)).start()
    https_collector.wait_for_tls_error(timeout=10)
    d.wait_for_event(result="retrying", timeout=10)
    assert https_collector.requests == []
    assert len(d.spool) == 2, "undelivered reports stay spooled"
    d.stop()


def test_compress_no_sends_plain_json(make_daemon, collector):
    d = make_daemon(config_text(collector.url, transport={"Compress": "no"})).start()
    for r in collector.wait_for(2, timeout=10):
        assert r.header("content-encoding") is None
        assert r.raw_body == r.body and r.json["type"] in TYPES
    d.stop()


# ------------------------------------------------------------------ retries
def test_retry_keeps_the_message_id(make_daemon, collector):
    collector.default = Reply(503)
    d = make_daemon(config_text(collector.url)).start()
    collector.wait_for(2, timeout=10, predicate=of_type("keepalive"))
    collector.default = Reply(200)
    ka = collector.wait_for(3, timeout=10, predicate=of_type("keepalive"))
    assert len({r.json["messageId"] for r in ka}) == 1, "a retry resends the same messageId"
    mid = ka[0].json["messageId"]
    ev = d.wait_for_event(result="sent", type="keepalive", timeout=10)
    assert ev["TELEMETRY_MESSAGE_ID"] == mid
    retrying = d.events(result="retrying", type="keepalive")
    failed = [r for r in ka if r.reply.status == 503]
    assert len(failed) >= 2
    # The journal says so once per change of state, not once per retry: the first failed attempt is a
    # "retrying" event; later attempts of the same outage are debug lines, not shown at the default level.
    assert len(retrying) == 1, retrying
    assert all(e.get("TELEMETRY_HTTP_STATUS") == "503" and e["TELEMETRY_MESSAGE_ID"] == mid for e in retrying)
    assert len([l for l in d.lines if "unreachable" in l]) == 1
    assert len([l for l in d.lines if "reachable again" in l]) == 1
    wait_until(lambda: d.spool == [] or None, timeout=10, what="spool to empty")
    d.stop()


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(make_daemon, collector, status):
    collector.script(Reply(status, retry_after=3), Reply(status, retry_after=3))
    d = make_daemon(config_text(collector.url, transport={"RetryMinSec": "1s", "RetryMaxSec": "10s"})).start()
    collector.wait_for(4, timeout=15)
    by_type: dict[str, list] = {}
    for r in collector.requests:
        by_type.setdefault(_type(r), []).append(r)
    for t, reqs in by_type.items():
        if reqs[0].reply.retry_after is not None and len(reqs) > 1:
            gap = reqs[1].received_at - reqs[0].received_at
            assert gap >= 2.5, f"{t}: retried {gap:.2f}s after Retry-After: 3"
    d.stop()


@pytest.mark.parametrize("status", [400, 404, 422])
def test_other_4xx_is_rejected_and_not_retried(make_daemon, collector, status):
    collector.default = Reply(status)
    d = make_daemon(config_text(collector.url)).start()
    collector.wait_for(2, timeout=10)
    for t in TYPES:
        ev = d.wait_for_event(result="rejected", type=t, timeout=10)
        assert ev.get("TELEMETRY_HTTP_STATUS") == str(status)
    quiet_for(collector, 2, seconds=2.0)
    assert d.spool == []
    d.stop()


# ------------------------------------------------------------------ spool and schedule across restarts
def test_spool_survives_restart_and_is_flushed_with_the_same_ids(make_daemon, collector):
    collector.default = Reply(503)
    d = make_daemon(config_text(collector.url)).start()
    collector.wait_for(2, timeout=10)
    wait_until(lambda: len(d.spool) == 2, timeout=10, what="2 spooled reports")
    d.stop()
    spooled = {json.loads(p.read_text())["messageId"] for p in d.spool}
    assert len(spooled) == 2, "the spool outlives the daemon"
    first_ids = {r.json["messageId"] for r in collector.requests}
    # Backoff holds the whole queue (it is for the collector, not per report), so the head may be the only one tried.
    assert first_ids <= spooled

    collector.default = Reply(200)
    before = len(collector.requests)
    d.start()
    ok = collector.wait_for(2, timeout=10, predicate=lambda r: r.reply.status == 200)
    assert {r.json["messageId"] for r in ok} == spooled, "restart sends the spooled reports, not new ones"
    wait_until(lambda: d.spool == [] or None, timeout=10, what="spool to empty")
    quiet_for(collector, len(collector.requests), seconds=1.5)
    assert len(collector.requests) == before + 2
    d.stop()


def test_restart_inside_the_interval_sends_nothing_new(make_daemon, collector):
    d = make_daemon(config_text(collector.url)).start()
    collector.wait_for(2, timeout=10)
    for t in TYPES:
        d.wait_for_event(result="sent", type=t, timeout=10)
    d.stop()
    d.start()
    d.wait_for(r"started", timeout=10)
    quiet_for(collector, 2, seconds=2.0)
    status = d.cli("status")
    assert status.returncode == 0
    lines = dict(l.split(": ", 1) for l in status.stdout.splitlines() if ": " in l)
    assert re.match(r"\d{4}-\d\d-\d\dT.* \(HTTP 200\)$", lines["Last keepalive"]), lines["Last keepalive"]
    assert re.match(r"\d{4}-\d\d-\d\dT", lines["Next keepalive"]), lines["Next keepalive"]
    assert lines["Queued"] == "0"
    d.stop()


# ------------------------------------------------------------------ opt-out
def test_opt_out_by_reload_purges_the_spool(make_daemon, collector):
    collector.default = Reply(503)
    d = make_daemon(config_text(collector.url)).start()
    collector.wait_for(2, timeout=10)
    wait_until(lambda: len(d.spool) == 2, timeout=10, what="2 spooled reports")
    d.write_dropin("50-cli.conf", "[Telemetry]\nEnable=no\n")
    d.reload()
    wait_until(lambda: d.spool == [] or None, timeout=5, what="spool purged after opt-out")
    n = len(collector.requests)
    collector.default = Reply(200)
    quiet_for(collector, n, seconds=2.0)
    assert d.running
    d.stop()


def test_environment_opt_out_sends_nothing(make_daemon, collector):
    d = make_daemon(config_text(collector.url), env={"DO_NOT_TRACK": "1"}).start()
    d.wait_for(r"(?i)disabled", timeout=10)
    quiet_for(collector, 0, seconds=2.0)
    assert d.spool == []
    d.stop()


def test_bad_config_on_reload_keeps_running_with_the_old_one(make_daemon, collector):
    d = make_daemon(config_text(collector.url)).start()
    d.wait_for(r"started", timeout=10)
    bad = d.write_dropin("90-bad.conf", "[Transport]\nTimeoutSec=forever\n")
    mark = d.reload()
    d.wait_for(re.escape(f"{bad}:2"), start=mark, timeout=5)
    assert d.running
    d.stop()


# ------------------------------------------------------------------ spool limit
def test_max_reports_drops_the_oldest(make_daemon, collector):
    collector.default = Reply(503)
    d = make_daemon(config_text(collector.url, spool={"MaxReports": "1"})).start()
    collector.wait_for(2, timeout=10)
    ev = d.wait_for_event(result="dropped", timeout=10)
    assert ev.get("TELEMETRY_TYPE") in TYPES
    wait_until(lambda: len(d.spool) == 1, timeout=5, what="spool at MaxReports=1")
    kept = json.loads(d.spool[0].read_text())
    assert kept["messageId"] != ev["TELEMETRY_MESSAGE_ID"], "the dropped report is gone from the spool"
    d.stop()


# ------------------------------------------------------------------ proxy
def test_proxy_setting_tunnels_through_tinyproxy(make_daemon, https_collector, certs, tinyproxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem),
                                                                "Proxy": tinyproxy.url})).start()
    https_collector.wait_for(2, timeout=10)
    tinyproxy.wait_for_connect(f"127.0.0.1:{https_collector.port}", timeout=5)
    d.stop()


def test_https_proxy_variable_is_used(make_daemon, https_collector, certs, tinyproxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem)}),
                    env={"https_proxy": tinyproxy.url}).start()
    https_collector.wait_for(2, timeout=10)
    tinyproxy.wait_for_connect(f"127.0.0.1:{https_collector.port}", timeout=5)
    d.stop()


def test_no_proxy_bypasses_the_proxy(make_daemon, https_collector, certs, tinyproxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem)}),
                    env={"https_proxy": tinyproxy.url, "no_proxy": "localhost,127.0.0.1"}).start()
    https_collector.wait_for(2, timeout=10)
    assert tinyproxy.connects() == []
    d.stop()


# ------------------------------------------------------------------ dry run and debug
def test_dry_run_logs_and_sends_nothing(make_daemon, collector):
    d = make_daemon(config_text(collector.url, {"DryRun": "yes"})).start()
    for t in TYPES:
        d.wait_for_event(result="dry-run", type=t, timeout=10)
    quiet_for(collector, 0, seconds=2.0)
    assert d.spool == []
    d.stop()


def test_debug_logs_each_payload_sent(make_daemon, collector):
    d = make_daemon(config_text(collector.url), env={"TELEMETRYD_DEBUG": "1"}).start()
    reqs = collector.wait_for(2, timeout=10)
    sent_ids = {r.json["messageId"] for r in reqs}
    for mid in sent_ids:
        line = d.wait_for(lambda l, m=mid: "[telemetry]" in l and m in l, timeout=10)
        payload = line[line.index("[telemetry]") + len("[telemetry]"):]
        if "{" in payload:
            try:   # one-line payload: it must be the report itself
                doc = json.JSONDecoder().raw_decode(payload[payload.index("{"):])[0]
            except ValueError:
                doc = None
            if isinstance(doc, dict) and "messageId" in doc:
                assert doc["messageId"] == mid
    d.stop()


def test_sigterm_while_a_request_hangs_exits_0_within_a_second(make_daemon, collector):
    collector.default = Reply(200, delay=20)
    d = make_daemon(config_text(collector.url, transport={"TimeoutSec": "30s"})).start()
    collector.wait_for(1, timeout=10)
    d.stop(timeout=1.0)
    assert len(d.spool) >= 1, "what was in flight stays spooled"


# ------------------------------------------------------------------ proxy authentication and no_proxy as curl reads it
def _assert_secret_not_shown(d, secret):
    assert secret not in d.output, "a credential reached the log"
    for args in (("status",), ("status", "--json")):
        r = d.cli(*args)
        assert secret not in r.stdout + r.stderr, f"telemetryd {' '.join(args)} shows a credential"


def test_proxy_setting_with_credentials_authenticates(make_daemon, https_collector, certs, auth_proxy):
    d = make_daemon(config_text(https_collector.url, transport={
        "CAFile": str(certs.ca_pem), "Proxy": auth_proxy.url_with(PROXY_USER, PROXY_PASSWORD)})).start()
    https_collector.wait_for(2, timeout=10)
    auth_proxy.wait_for_connect(f"127.0.0.1:{https_collector.port}", timeout=5)
    d.wait_for_event(result="sent", count=2, timeout=10)
    _assert_secret_not_shown(d, PROXY_PASSWORD)
    d.stop()


def test_https_proxy_variable_with_credentials_authenticates(make_daemon, https_collector, certs, auth_proxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem)}),
                    env={"https_proxy": auth_proxy.url_with(PROXY_USER, PROXY_PASSWORD)}).start()
    https_collector.wait_for(2, timeout=10)
    auth_proxy.wait_for_connect(f"127.0.0.1:{https_collector.port}", timeout=5)
    _assert_secret_not_shown(d, PROXY_PASSWORD)
    d.stop()


def test_proxy_without_its_credentials_is_refused_and_retried(make_daemon, https_collector, certs, auth_proxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem),
                                                                "Proxy": auth_proxy.url})).start()
    ev = d.wait_for_event(result="retrying", timeout=10)
    assert "407" in ev["line"] and "proxy" in ev["line"], ev
    assert https_collector.requests == []
    assert len(d.spool) == 2
    d.stop()


@pytest.mark.parametrize("no_proxy", ["127.0.0.0/8", "10.0.0.0/8, 127.0.0.1/32", ".example.com,127.0.0.0/24"])
def test_no_proxy_cidr_bypasses_the_proxy(make_daemon, https_collector, certs, tinyproxy, no_proxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem)}),
                    env={"https_proxy": tinyproxy.url, "no_proxy": no_proxy}).start()
    https_collector.wait_for(2, timeout=10)
    assert tinyproxy.connects() == [], "no_proxy covers the endpoint's address"
    d.stop()


def test_no_proxy_cidr_that_misses_keeps_the_proxy(make_daemon, https_collector, certs, auth_proxy):
    d = make_daemon(config_text(https_collector.url, transport={"CAFile": str(certs.ca_pem)}),
                    env={"https_proxy": auth_proxy.url_with(PROXY_USER, PROXY_PASSWORD),
                         "no_proxy": "10.0.0.0/8,127.0.0.2/32,localhost"}).start()
    https_collector.wait_for(2, timeout=10)
    auth_proxy.wait_for_connect(f"127.0.0.1:{https_collector.port}", timeout=5)
    d.stop()


# ------------------------------------------------------------------ tokens
TOKEN = "tok-3b9f1c0e5a7d4e2f"


def test_token_file_is_sent_as_bearer_and_never_shown(make_daemon, collector, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    collector.accepted_authorizations = {f"Bearer {TOKEN}"}
    d = make_daemon(config_text(collector.url, transport={"TokenFile": str(token_file)})).start()
    for r in collector.wait_for(2, timeout=10):
        assert r.header("authorization") == f"Bearer {TOKEN}"
        assert r.reply.status == 200
    d.wait_for_event(result="sent", count=2, timeout=10)
    _assert_secret_not_shown(d, TOKEN)
    d.stop()


def test_a_refused_token_is_logged_once_kept_spooled_and_a_reload_with_the_right_one_sends(make_daemon, collector,
                                                                                        tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("wrong-token\n")
    collector.accepted_authorizations = {f"Bearer {TOKEN}"}
    # RetryMaxSec=1h: a 401 waits that long, so only the reload can bring the reports through in this test.
    d = make_daemon(config_text(collector.url, transport={"TokenFile": str(token_file), "RetryMaxSec": "1h"})).start()
    collector.wait_for(1, timeout=10)
    d.wait_for("refused the credential", timeout=10)
    time.sleep(1.5)
    refused = [r for r in collector.requests if r.reply.status == 401]
    assert len(refused) == 1, f"a 401 is retried at RetryMaxSec=, not at once: {len(refused)} attempts"
    assert len(d.spool) == 2, "nothing is dropped on a 401"
    assert len([l for l in d.lines if "refused the credential" in l]) == 1
    assert not d.events(result="rejected") and not d.events(result="dropped")
    token_file.write_text(TOKEN + "\n")
    d.reload()
    ok = collector.wait_for(2, timeout=10, predicate=lambda r: r.reply.status == 200)
    assert all(r.header("authorization") == f"Bearer {TOKEN}" for r in ok)
    wait_until(lambda: d.spool == [] or None, timeout=10, what="spool to empty")
    _assert_secret_not_shown(d, TOKEN)
    d.stop()


def test_a_relative_token_file_is_read_from_the_credentials_directory(make_daemon, collector, tmp_path):
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "collector-token").write_text(TOKEN)
    d = make_daemon(config_text(collector.url, transport={"TokenFile": "collector-token"}),
                    env={"CREDENTIALS_DIRECTORY": str(creds)}).start()
    for r in collector.wait_for(2, timeout=10):
        assert r.header("authorization") == f"Bearer {TOKEN}"
    d.stop()


def test_an_unreadable_token_file_is_one_clear_error_and_nothing_is_sent(make_daemon, collector, tmp_path):
    missing = tmp_path / "no-such-token"
    d = make_daemon(config_text(collector.url, transport={"TokenFile": str(missing)})).start()
    d.wait_for(str(missing), timeout=10)
    d.wait_for_event(result="retrying", timeout=10)
    assert collector.requests == []
    assert len(d.spool) == 2
    d.stop()


# ------------------------------------------------------------------ Format=segment
ISO8601_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def test_segment_format_posts_track_calls_with_basic_auth(make_daemon, collector, tmp_path):
    """Each report as one track call of Segment's HTTP Tracking API: type "track", a string event, anonymousId
    (required when there is no userId), messageId, an ISO 8601 timestamp, properties and context objects; the
    write key as HTTP Basic user name with an empty password."""
    key = tmp_path / "write-key"
    key.write_text("wk_9c1e77\n")
    expected_auth = "Basic " + base64.b64encode(b"wk_9c1e77:").decode()
    collector.accepted_authorizations = {expected_auth}
    d = make_daemon(config_text(collector.url, {"Format": "segment"}, {"TokenFile": str(key)})).start()
    reqs = collector.wait_for(2, timeout=10)
    d.wait_for_event(result="sent", count=2, timeout=10)
    state_dir = d.state_dir
    instance = (state_dir / "instance-id").read_text().strip()
    spooled_ids = set()
    by_event = {}
    for r in reqs:
        assert r.reply.status == 200 and r.header("authorization") == expected_auth
        assert r.header("content-type").split(";")[0] == "application/json"
        call = r.json
        assert set(call) == {"type", "event", "anonymousId", "messageId", "timestamp", "properties", "context"}, call
        assert call["type"] == "track"
        assert isinstance(call["event"], str) and call["event"] in {"Instance Active", "Diagnostics"}
        assert call["anonymousId"] == instance
        assert isinstance(call["messageId"], str) and call["messageId"]
        spooled_ids.add(call["messageId"])
        assert ISO8601_UTC.fullmatch(call["timestamp"]), call["timestamp"]
        assert isinstance(call["properties"], dict) and isinstance(call["context"], dict)
        assert re.fullmatch(r"[0-9a-f-]{36}", call["properties"]["clusterId"])
        assert call["context"]["library"]["name"] == "telemetryd"
        assert re.fullmatch(r"\d+\.\d+\.\d+\S*", call["context"]["library"]["version"])
        by_event[call["event"]] = call
    assert set(by_event) == {"Instance Active", "Diagnostics"}
    assert isinstance(by_event["Instance Active"]["properties"]["agentUptimeSec"], int)
    diag = by_event["Diagnostics"]["properties"]
    assert {"os", "cpu", "memory", "virtualization", "container"} <= set(diag), diag
    assert len(spooled_ids) == 2
    # What the journal says is unchanged: the report's own messageId, type and result.
    for e in d.events(result="sent"):
        assert e["TELEMETRY_MESSAGE_ID"] in spooled_ids
    _assert_secret_not_shown(d, "wk_9c1e77")
    d.stop()


def test_segment_format_retries_with_the_same_message_id(make_daemon, collector):
    collector.script(Reply(503), Reply(503))
    d = make_daemon(config_text(collector.url, {"Format": "segment"})).start()
    reqs = collector.wait_for(4, timeout=15)
    first = reqs[0].json["messageId"]
    again = [r for r in reqs if r.json["messageId"] == first]
    assert len(again) >= 3 and len({r.body for r in again}) == 1, "a retry resends the same track call"
    assert len({r.json["messageId"] for r in reqs}) == 2
    assert "authorization" not in reqs[0].headers, "no TokenFile=: no credential"
    wait_until(lambda: d.spool == [] or None, timeout=10, what="spool to empty")
    d.stop()

