"""The command line against its contract: show, status, enable/disable, send, exit codes, privacy."""
from __future__ import annotations

import glob
import json
import os
import pathlib
import pwd
import re
import socket
import subprocess
import uuid

import jsonschema
import pytest

from collector import Reply
from conftest import config_text, json_documents
from daemon import clean_env

STATUS_KEYS = ["Telemetry", "Endpoint", "Instance ID", "Cluster ID", "Last keepalive", "Last diagnostics",
               "Next keepalive", "Next diagnostics", "Queued"]
RFC3339 = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"


@pytest.fixture
def cli(binary, tmp_path):
    """cli(*args, conf=TEXT, env=..., check=CODE) runs telemetryd with --config/--state-dir in tmp_path."""
    conf_path = tmp_path / "telemetry.conf"
    conf_path.write_text(config_text("http://127.0.0.1:9/v1/reports"))

    def run(*args, conf: str | None = None, env=None, check: int | None = None, state=True):
        if conf is not None:
            conf_path.write_text(conf)
        extra = ["--config", str(conf_path)] + (["--state-dir", str(tmp_path / "state")] if state else [])
        p = subprocess.run([binary, *args, *extra], capture_output=True, text=True, env=clean_env(env), timeout=60)
        if check is not None:
            assert p.returncode == check, f"exit {p.returncode}, wanted {check}\nstdout: {p.stdout}\nstderr: {p.stderr}"
        return p
    run.conf_path = conf_path
    run.dir = tmp_path
    run.binary = binary
    return run


def status_lines(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        assert ": " in line, f"status line is not 'Key: value': {line!r}"
        k, v = line.split(": ", 1)
        out[k] = v
    return out


# ------------------------------------------------------------------ show
@pytest.mark.parametrize("kind", ["keepalive", "diagnostics"])
def test_show_type_prints_one_valid_pretty_document(cli, schema, kind):
    p = cli("show", "--type", kind, check=0)
    [doc] = json_documents(p.stdout)
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["type"] == kind and doc["schemaVersion"] == 1
    assert "\n  " in p.stdout, "show prints pretty (indented) JSON"
    uuid.UUID(doc["messageId"]), uuid.UUID(doc["instanceId"]), uuid.UUID(doc["clusterId"])
    assert doc["agent"]["name"] == "telemetryd"


def test_show_diagnostics_has_every_documented_field(cli):
    [doc] = json_documents(cli("show", "--type", "diagnostics", check=0).stdout)
    data = doc["data"]
    for key in ("os", "cpu", "memory", "uptimeSec", "virtualization", "container", "config"):
        assert key in data, key
    assert set(data["os"]) >= {"id", "versionId", "prettyName", "kernel", "arch"}
    assert set(data["cpu"]) >= {"model", "logicalCores", "load1", "load5", "load15"}
    assert set(data["memory"]) >= {"totalBytes", "availableBytes", "swapTotalBytes", "swapFreeBytes"}


def test_show_uses_the_configured_cluster_id(cli):
    cid = str(uuid.uuid4())
    docs = json_documents(cli("show", conf=config_text("http://127.0.0.1:9/", {"ClusterID": cid}), check=0).stdout)
    assert [d["clusterId"] for d in docs] == [cid, cid]


def _host_secrets() -> list[str]:
    secrets = [socket.gethostname(), socket.getfqdn()]
    for path in ("/etc/machine-id", "/proc/sys/kernel/random/boot_id"):
        try:
            raw = pathlib.Path(path).read_text().strip()
        except OSError:
            continue
        secrets += [raw, raw.replace("-", "")]
        if len(raw) == 32:
            secrets.append(str(uuid.UUID(raw)))
    for addr in glob.glob("/sys/class/net/*/address"):
        mac = pathlib.Path(addr).read_text().strip()
        if mac and mac != "00:00:00:00:00:00":
            secrets += [mac, mac.upper()]
    try:
        out = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, timeout=10).stdout
        for ip in re.findall(r"inet6? ([0-9a-f.:]+)/", out):
            if ip not in ("127.0.0.1", "::1"):
                secrets.append(ip)
    except OSError:
        pass
    return [s for s in secrets if s and s != "localhost"]


def test_show_never_contains_host_identity(cli):
    out = cli("show", env={"TELEMETRYD_DEBUG": "1", "SECRET_MARKER": "zz-env-leak-zz"}, check=0).stdout
    secrets = _host_secrets()
    for secret in secrets:
        if len(secret) > 3:  # a short hostname ("vm") is a substring of honest values ("kvm"): checked below
            assert secret not in out, f"show leaks {secret!r}"
    assert "zz-env-leak-zz" not in out
    assert str(cli.dir) not in out
    values = set()

    def walk(v):
        if isinstance(v, dict):
            [walk(x) for x in v.values()]
        elif isinstance(v, list):
            [walk(x) for x in v]
        elif isinstance(v, str):
            values.add(v)
    [walk(d) for d in json_documents(out)]
    assert not (values & set(secrets)), f"show carries a host identifier: {values & set(secrets)}"
    users = {u.pw_name for u in pwd.getpwall() if u.pw_uid == 0 or u.pw_uid >= 1000} | {os.environ.get("USER", "")}
    assert not (values & (users - {""})), f"show carries a user name: {values & users}"


def test_show_sends_nothing_and_keeps_the_spool_empty(cli, collector):
    cli("show", conf=config_text(collector.url), check=0)
    assert collector.requests == []
    assert not (cli.dir / "state" / "spool").exists() or not list((cli.dir / "state" / "spool").iterdir())


# ------------------------------------------------------------------ status
def test_status_has_every_key_in_order(cli):
    cli("show", check=0)  # makes the IDs (status itself creates nothing)
    p = cli("status", check=0)
    lines = status_lines(p.stdout)
    assert [k for k in lines if k in STATUS_KEYS] == STATUS_KEYS, list(lines)
    uuid.UUID(lines["Instance ID"]), uuid.UUID(lines["Cluster ID"])
    assert lines["Last keepalive"] == "never" and lines["Last diagnostics"] == "never"
    assert lines["Queued"] == "0"
    # Next due times exist once a daemon has run (test_delivery checks them); before that, a time or "-".
    for k in ("Next keepalive", "Next diagnostics"):
        assert re.fullmatch(RFC3339, lines[k]) or lines[k].startswith("-"), lines[k]


def test_status_json_matches_the_lines(cli):
    cli("show", check=0)
    lines = status_lines(cli("status", check=0).stdout)
    doc = json.loads(cli("status", "--json", check=0).stdout)
    assert set(doc) >= {"enabled", "disabledBy", "endpoint", "instanceId", "clusterId", "last", "next", "queued"}
    assert doc["enabled"] is True and doc["disabledBy"] is None
    assert doc["endpoint"] == lines["Endpoint"]
    assert doc["instanceId"] == lines["Instance ID"] and doc["clusterId"] == lines["Cluster ID"]
    assert isinstance(doc["last"], dict) and isinstance(doc["next"], dict)
    assert set(doc["last"]) <= {"keepalive", "diagnostics"} and set(doc["next"]) <= {"keepalive", "diagnostics"}
    assert doc["queued"] == 0


def test_status_when_disabled_names_the_file_and_line_and_has_no_next(cli):
    cli("status", conf="[Telemetry]\nEndpoint=http://127.0.0.1:9/\n# off:\nEnable=no\n", check=0)
    lines = status_lines(cli("status", check=0).stdout)
    assert lines["Telemetry"] == f"disabled by {cli.conf_path}:4"
    assert lines["Next keepalive"] == "-" and lines["Next diagnostics"] == "-"


def test_status_says_whether_a_token_is_set_and_never_shows_it(cli):
    secret = "s3cr3t-token-value-0123456789"
    token = cli.dir / "token"
    token.write_text(secret + "\n")
    lines = status_lines(cli("status", check=0).stdout)
    assert lines["Token"] == "none" and lines["Format"] == "telemetryd"
    conf = f"[Telemetry]\nEndpoint=http://127.0.0.1:9/\nFormat=segment\n[Transport]\nTokenFile={token}\n"
    p = cli("status", conf=conf, check=0)
    lines = status_lines(p.stdout)
    assert lines["Token"] == f"set (TokenFile= at {cli.conf_path}:5)", lines["Token"]
    assert lines["Format"] == "segment"
    doc = json.loads(cli("status", "--json", check=0).stdout)
    assert doc["token"] == lines["Token"] and doc["format"] == "segment"
    for out in (p.stdout, p.stderr, json.dumps(doc)):
        assert secret not in out


def test_status_ignores_the_callers_opt_out_variables(cli):
    # The service never sees this shell's environment: with no daemon running, status tells what the files alone
    # decide, and says that the variable was left out.
    p = cli("status", conf="[Telemetry]\nEnable=yes\n", env={"TELEMETRYD_DISABLE": "1"}, check=0)
    lines = status_lines(p.stdout)
    assert lines["Telemetry"] == "enabled"
    assert lines["Daemon"].startswith("not running; this is what the configuration files alone decide")
    assert "$TELEMETRYD_DISABLE in your environment does not reach the service" in lines["Note"]
    doc = json.loads(cli("status", "--json", env={"DO_NOT_TRACK": "1"}, check=0).stdout)
    assert doc["enabled"] is True and doc["decisionSource"] == "files" and doc["daemon"] is None
    assert doc["ignoredCallerVariables"] == ["DO_NOT_TRACK"]
    assert "product" in doc and doc["product"] is None


@pytest.mark.parametrize("value", ["0", "no", "false", "off", "N"])
def test_a_false_opt_out_or_debug_value_is_off_in_every_command(cli, value):
    # One parser of flags everywhere: a false value neither opts out nor turns on debug logging.
    doc = json.loads(cli("status", "--json", env={"DO_NOT_TRACK": value, "TELEMETRYD_DISABLE": value},
                         check=0).stdout)
    assert doc["enabled"] is True and doc["ignoredCallerVariables"] == [], doc
    # export logs its probes at debug level (what a host probe could not read).
    p = cli("export", env={"TELEMETRYD_DEBUG": value}, check=0)
    assert "debug:" not in p.stderr, p.stderr
    on = cli("export", env={"TELEMETRYD_DEBUG": "yes"}, check=0)
    assert "debug:" in on.stderr, f"TELEMETRYD_DEBUG=yes logged nothing at debug level: {on.stderr}"


def test_status_tells_what_the_running_daemon_decided(cli, make_daemon):
    # A daemon whose own environment opts out; the caller's does not.
    d = make_daemon(config_text("http://127.0.0.1:9/v1/reports"), env={"DO_NOT_TRACK": "1"})
    d.start()
    d.wait_for(r"started")
    state = ["--state-dir", str(d.state_dir)]
    p = subprocess.run([cli.binary, "status", "--json", "--config", str(d.config_path), *state], capture_output=True,
                       text=True, env=clean_env(), timeout=60)
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["enabled"] is False and doc["decidedBy"] == "$DO_NOT_TRACK", doc
    assert doc["decisionSource"] == "daemon" and doc["daemon"]["pid"] == d.proc.pid
    assert doc["endpoint"] == "http://127.0.0.1:9/v1/reports"
    assert re.fullmatch(r".*/telemetry\.conf:\d+", doc["endpointFrom"]), doc["endpointFrom"]
    d.stop()
    p = subprocess.run([cli.binary, "status", "--config", str(d.config_path), *state], capture_output=True, text=True,
                       env=clean_env(), timeout=60)
    lines = status_lines(p.stdout)
    assert lines["Telemetry"] == "enabled", "a stopped daemon's record no longer decides"
    assert lines["Daemon"].startswith("not running")


# ------------------------------------------------------------------ enable / disable
def settings(path: pathlib.Path) -> str:
    """A config file without comments and blank lines."""
    return "\n".join(l.strip() for l in path.read_text().splitlines() if l.strip() and l.strip()[0] not in "#;")


def test_disable_and_enable_write_exactly_the_drop_in(cli):
    dropin = cli.dir / "telemetry.conf.d" / "50-cli.conf"
    p = cli("disable", check=0, state=False)
    assert len(p.stdout.strip().splitlines()) == 1, p.stdout
    assert settings(dropin) == "[Telemetry]\nEnable=no"
    assert status_lines(cli("status", check=0).stdout)["Telemetry"].startswith(f"disabled by {dropin}:")
    p = cli("enable", check=0, state=False)
    assert len(p.stdout.strip().splitlines()) == 1, p.stdout
    assert settings(dropin) == "[Telemetry]\nEnable=yes"
    assert status_lines(cli("status", check=0).stdout)["Telemetry"] == "enabled"


# ------------------------------------------------------------------ send
def test_send_exits_0_when_the_collector_accepts(cli, collector, schema):
    cli("send", conf=config_text(collector.url, transport={"Compress": "no"}), check=0)
    [r] = collector.wait_for(1, timeout=10)
    assert r.json["type"] == "keepalive"
    jsonschema.Draft202012Validator(schema).validate(r.json)
    cli("send", "--type", "diagnostics", check=0)
    assert [d["type"] for d in collector.reports()] == ["keepalive", "diagnostics"]
    lines = status_lines(cli("status", check=0).stdout)
    assert re.fullmatch(RFC3339 + r" \S+ \(HTTP 200\)", lines["Last keepalive"]), lines["Last keepalive"]
    assert re.fullmatch(RFC3339 + r" \S+ \(HTTP 200\)", lines["Last diagnostics"]), lines["Last diagnostics"]


@pytest.mark.parametrize("status", [500, 503, 400, 404])
def test_send_exits_1_on_an_http_error(cli, collector, status):
    collector.default = Reply(status)
    p = cli("send", conf=config_text(collector.url), check=1)
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert str(status) in p.stderr
    assert len(collector.requests) >= 1


def test_send_exits_1_when_unreachable(cli):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]   # bound, not listening: connection refused
        p = cli("send", conf=config_text(f"http://127.0.0.1:{port}/v1/reports"), check=1)
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_send_exits_1_when_disabled_and_opens_no_connection(cli, collector):
    p = cli("send", conf=config_text(collector.url), env={"DO_NOT_TRACK": "1"}, check=1)
    assert len(p.stderr.strip().splitlines()) == 1 and "DO_NOT_TRACK" in p.stderr, p.stderr
    assert collector.requests == []


def test_send_exits_2_on_a_usage_or_config_error(cli, collector):
    cli("send", "--type", "everything", conf=config_text(collector.url), check=2)
    p = cli("send", conf=config_text(collector.url, transport={"TimeoutSec": "soon"}), check=2)
    assert "TimeoutSec" in p.stderr and f"{cli.conf_path}:" in p.stderr
    assert collector.requests == []


# ------------------------------------------------------------------ exit codes
@pytest.mark.parametrize("key,section,value", [("Enable", "Telemetry", "maybe"), ("Compress", "Transport", "2"),
                                               ("MaxReports", "Spool", "-1"), ("RetryMinSec", "Transport", "fast")])
def test_bad_values_name_file_line_and_key(cli, key, section, value):
    text = f"[Telemetry]\nEndpoint=http://127.0.0.1:9/\n\n[{section}]\n{key}={value}\n"
    if section == "Telemetry":
        text = f"[Telemetry]\nEndpoint=http://127.0.0.1:9/\n{key}={value}\n"
    line = text.splitlines().index(f"{key}={value}") + 1
    for cmd in ("show", "status", "send"):
        p = cli(cmd, conf=text, check=2)
        assert f"{cli.conf_path}:{line}" in p.stderr and key in p.stderr, (cmd, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1, (cmd, p.stderr)


def test_bad_value_in_a_drop_in_names_the_drop_in(cli):
    d = cli.dir / "telemetry.conf.d"
    d.mkdir()
    (d / "70-x.conf").write_text("[Transport]\nRetryMaxSec=1 fortnight\n")
    p = cli("status", check=2)
    assert f"{d / '70-x.conf'}:2" in p.stderr and "RetryMaxSec" in p.stderr


def test_unknown_key_is_only_a_warning(cli):
    p = cli("show", "--type", "keepalive", conf="[Telemetry]\nEndpoint=http://127.0.0.1:9/\nFrobnicate=1\n", check=0)
    assert f"{cli.conf_path}:3" in p.stderr
    assert len(json_documents(p.stdout)) == 1


# ------------------------------------------------------------------ the daemon's state directory
def test_daemon_reports_an_unwritable_state_directory_before_it_is_ready(make_daemon):
    d = make_daemon(config_text("http://127.0.0.1:9/v1/reports"))
    d.dir.mkdir(parents=True, exist_ok=True)
    d.state_dir.write_text("a file where the state directory should be\n")
    d.start()
    started = d.wait_for(r"telemetryd \S+ started")
    lines = d.lines
    before = lines[:lines.index(started)]
    problem = [l for l in before if "is not writable" in l]
    assert problem, "\n".join(lines)
    assert str(d.state_dir) in problem[0] and "--state-dir" in problem[0], problem[0]
    d.stop()
