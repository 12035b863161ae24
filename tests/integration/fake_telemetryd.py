#!/usr/bin/env python3
"""A stand-in for `telemetryd run` that follows the delivery contract, in a few lines of Python.

Not the product: it exists so the harness and test_delivery.py can be proven against something that should pass
(`TELEMETRYD_BIN=tests/integration/fake_telemetryd.py pytest tests/integration/test_delivery.py`), which tells
a failure of the real daemon from a bug in the tests. Covers `run` only.
"""
import datetime
import glob
import gzip
import http.client
import json
import os
import random
import re
import signal
import ssl
import sys
import time
import urllib.parse
import uuid

UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}


def log(msg, **f):
    fields = " ".join(f"TELEMETRY_{k.upper()}={v}" for k, v in sorted(f.items()) if v is not None)
    sys.stderr.write(f"{datetime.datetime.now().isoformat()} info telemetryd: {fields} {msg}\n")
    sys.stderr.flush()


def span(v):
    total = 0
    for num, unit in re.findall(r"(\d+)\s*([a-z]*)", v) or [("", "")]:
        if unit not in UNITS and unit != "":
            raise ValueError(v)
        total += int(num) * UNITS.get(unit, 1)
    if not re.fullmatch(r"(\s*\d+\s*[a-z]*)+\s*", v):
        raise ValueError(v)
    return total


def boolean(v):
    m = {"yes": True, "true": True, "on": True, "1": True, "no": False, "false": False, "off": False, "0": False}
    if v.lower() not in m:
        raise ValueError(v)
    return m[v.lower()]


PARSE = {"Enable": boolean, "DryRun": boolean, "Compress": boolean, "TimeoutSec": span, "RetryMinSec": span,
         "RetryMaxSec": span, "KeepAliveIntervalSec": span, "DiagnosticsIntervalSec": span,
         "RandomizedDelaySec": span, "MaxReports": int}


def load(path):
    c = {"Enable": True, "DryRun": False, "Compress": True, "RetryMinSec": 30, "RetryMaxSec": 3600,
         "MaxReports": 512, "TimeoutSec": 30, "Proxy": "", "CAFile": "", "Endpoint": "",
         "KeepAliveIntervalSec": 21600, "DiagnosticsIntervalSec": 21600}
    files = [path] + sorted(glob.glob(path + ".d/*.conf"))
    for f in files:
        for n, line in enumerate(open(f).read().splitlines(), 1):
            line = line.split("#")[0].strip()
            if not line or line.startswith(("[", ";")) or "=" not in line:
                continue
            k, v = (x.strip() for x in line.split("=", 1))
            try:
                c[k] = PARSE.get(k, str)(v)
            except ValueError:
                raise SystemExit(f"{f}:{n}: bad value for {k}: {v!r}")
    for var in ("DO_NOT_TRACK", "TELEMETRYD_DISABLE"):
        if os.environ.get(var) == "1":
            c["Enable"] = False
    return c


def main():
    a = sys.argv[1:]
    if a[0] != "run":  # status, show, ...: the real binary
        os.execv(real_bin(), [real_bin(), *a])
    conf_path, state = a[a.index("--config") + 1], a[a.index("--state-dir") + 1]
    spool = os.path.join(state, "spool")
    os.makedirs(spool, exist_ok=True)
    try:
        conf = load(conf_path)
    except SystemExit as e:
        sys.stderr.write(f"{e}\n")
        sys.exit(2)
    reload = []
    signal.signal(signal.SIGHUP, lambda *_: reload.append(1))
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # spool files stay; nothing to flush
    sf = os.path.join(state, "state.json")
    st = json.load(open(sf)) if os.path.exists(sf) else {"lastScheduled": {}, "lastResult": {}}
    log("telemetryd 0.0.0 started; " + ("enabled" if conf["Enable"] else "disabled"))
    due = {}
    now = time.time()
    if conf["Enable"]:
        for t in ("keepalive", "diagnostics"):
            if t in st["lastScheduled"]:
                continue
            doc = build(t, conf_path, state)
            mid = doc["messageId"]
            if conf["DryRun"]:
                log("would send", type=t, message_id=mid, result="dry-run")
            else:
                files = sorted(glob.glob(spool + "/*.json"))
                while len(files) >= conf["MaxReports"]:
                    old = json.load(open(files[0]))
                    os.unlink(files.pop(0))
                    log("dropped", type=old["type"], message_id=old["messageId"], result="dropped")
                json.dump(doc, open(f"{spool}/{time.time_ns()}.json", "w"))
                log("queued", type=t, message_id=mid, result="queued")
            st["lastScheduled"][t] = now
        json.dump(st, open(sf, "w"))
    while True:
        if reload:
            reload.clear()
            try:
                conf = load(conf_path)
            except SystemExit as e:
                log(f"reload failed, keeping the old config: {e}")
            if not conf["Enable"]:
                for f in glob.glob(spool + "/*.json"):
                    os.unlink(f)
        for f in sorted(glob.glob(spool + "/*.json")):
            if not conf["Enable"] or due.get(f, 0) > time.time():
                continue
            doc = json.load(open(f))
            status, retry_after = send(conf, doc)
            t, mid = doc["type"], doc["messageId"]
            if status is not None and 200 <= status < 300:
                os.unlink(f)
                log("sent", type=t, message_id=mid, result="sent", http_status=status)
            elif status is not None and 400 <= status < 500 and status not in (408, 429):
                os.unlink(f)
                log("rejected", type=t, message_id=mid, result="rejected", http_status=status)
            else:
                wait = float(retry_after) if retry_after else random.uniform(conf["RetryMinSec"] / 2,
                                                                            conf["RetryMinSec"])
                due[f] = time.time() + wait
                log("retrying", type=t, message_id=mid, result="retrying", http_status=status)
        time.sleep(0.05)


def build(t, conf_path, state):
    """The real report, from the real binary's `show` (TELEMETRYD_REAL_BIN, default: the repo's debug build)."""
    import subprocess
    p = subprocess.run([real_bin(), "show", "--type", t, "--config", conf_path, "--state-dir", state],
                       capture_output=True, text=True)
    if p.returncode == 0:
        return json.loads(p.stdout)
    return {"schemaVersion": 1, "messageId": str(uuid.uuid4()), "type": t, "data": {}}


def real_bin():
    return os.environ.get("TELEMETRYD_REAL_BIN") or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                  "../../.build/debug/telemetryd")


def send(conf, doc):
    body = json.dumps(doc).encode()
    if os.environ.get("TELEMETRYD_DEBUG") == "1":
        log("[telemetry] " + json.dumps(doc))
    headers = {"Content-Type": "application/json", "User-Agent": "telemetryd/0.0.0"}
    if conf["Compress"]:
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    u = urllib.parse.urlsplit(conf["Endpoint"])
    proxy = conf["Proxy"] or os.environ.get("https_proxy", "")
    if any(u.hostname == h.strip() for h in os.environ.get("no_proxy", "").split(",")):
        proxy = ""
    try:
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=conf["CAFile"] or None)
            conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=conf["TimeoutSec"])
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=conf["TimeoutSec"])
        if proxy:
            p = urllib.parse.urlsplit(proxy)
            conn._tunnel_host = None
            conn.host, conn.port = p.hostname, p.port
            conn.set_tunnel(u.hostname, u.port)
        conn.request("POST", u.path, body=body, headers=headers)
        r = conn.getresponse()
        r.read()
        return r.status, r.getheader("Retry-After")
    except (OSError, http.client.HTTPException):
        return None, None


if __name__ == "__main__":
    main()
