"""TokenFile= under a real systemd: the token handed over with LoadCredential= (a unit drop-in), read from
$CREDENTIALS_DIRECTORY by its relative name, sent as a Bearer token, never in the journal; a refused one is
logged once and the reports stay spooled until the right one arrives.

One throwaway systemd-nspawn container for the module, sharing the host network with a collector on 127.0.0.1.
"""
from __future__ import annotations

import pathlib

import pytest

from collector import Collector
from conftest import CATALOG, booted_container, config_text, start_unit

WRONG, TOKEN = "cred-wrong-81f3c6d2", "cred-5e0b2a9c7d41"
SECRET = "/etc/telemetryd-secrets/collector-token"   # inside the container (its / is a volatile tmpfs)


@pytest.fixture(scope="module")
def box(tmp_path_factory, binary):
    with Collector() as collector:
        collector.accepted_authorizations = {f"Bearer {TOKEN}"}
        config = config_text(collector.url, transport={"TokenFile": "collector-token", "RetryMaxSec": "1h"})
        with booted_container(tmp_path_factory, binary, "systemd-credentials", config) as (container, _):
            container.run("sh", "-c", f"mkdir -p {pathlib.Path(SECRET).parent} && umask 077 && "
                                      f"printf '%s\\n' {WRONG} > {SECRET}", check=True)
            container.run("sh", "-c", "mkdir -p /run/systemd/system/telemetryd.service.d && printf "
                                      f"'[Service]\\nLoadCredential=collector-token:{SECRET}\\n' > "
                                      "/run/systemd/system/telemetryd.service.d/50-token.conf", check=True)
            container.run("systemctl", "daemon-reload", check=True)
            # The boot may have started it already, before the drop-in: restart, so LoadCredential= applies.
            start_unit(container, "restart")
            yield container, collector


def test_a_refused_credential_is_logged_once_and_the_reports_stay_spooled(box):
    c, collector = box
    try:
        collector.wait_for(1, timeout=15)
    except AssertionError as e:
        log = c.run("journalctl", "--no-pager", "-b", "-u", "telemetryd").stdout
        raise AssertionError(f"{e}\n{log}")
    entries = c.wait_for(lambda: [e for e in c.journal("-u", "telemetryd.service") if "refused the credential" in e.get("MESSAGE", "")],
                         timeout=15, what="the credential problem in the journal")
    assert len(entries) == 1
    documented = CATALOG.read_text() if CATALOG.exists() else ""
    assert entries[0]["MESSAGE_ID"] in documented
    assert [r.header("authorization") for r in collector.requests] == [f"Bearer {WRONG}"], \
        "one attempt, then a pause of RetryMaxSec="
    spool = c.run("sh", "-c", "ls /var/lib/private/telemetryd/spool/*.json 2>/dev/null").stdout.split()
    assert len(spool) == 2, "a 401 drops nothing"


def test_the_right_credential_after_a_restart_sends_the_spool(box):
    c, collector = box
    c.run("sh", "-c", f"printf '%s\\n' {TOKEN} > {SECRET}", check=True)
    # LoadCredential= copies the file into $CREDENTIALS_DIRECTORY when the service starts.
    c.run("systemctl", "restart", "telemetryd.service", check=True, timeout=30)
    ok = collector.wait_for(2, timeout=15, predicate=lambda r: r.reply.status == 200)
    assert all(r.header("authorization") == f"Bearer {TOKEN}" for r in ok)
    journal = c.run("journalctl", "--no-pager", "-o", "verbose", "-u", "telemetryd", timeout=30).stdout
    assert TOKEN not in journal and WRONG not in journal, "a token reached the journal"
    status = c.run("telemetryd", "status", "--json").stdout
    assert TOKEN not in status
