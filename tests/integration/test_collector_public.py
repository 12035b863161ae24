"""The public page (`PublicMinInstalls=K`) of the real telemetry-collector: a fleet built with a small group in every
place one can hide (each breakdown, a fact value, a boolean side, a number fact, a counter, a cluster size, a
version) is served in full on the private page and API (behind ReadTokenFile=), while /public and
/api/v1/public/summary, open to anyone, fold every group under K into `other` and name none of the rare values."""
from __future__ import annotations

import json
import uuid

from test_collector_labels import diagnostics, post

K = 3
RARE = ["9.9.9-secret", "gentoo", "riscv64", "bochs", "docker", "acme-special", "exports"]


def _fleet(c) -> None:
    big_cluster, pair = str(uuid.uuid4()), str(uuid.uuid4())
    for i in range(10):
        r = diagnostics("4.2.1", facts={"edition": "oss", "tlsEnabled": True, "nodes": 3}, factsStatus="ok",
                        counters={"jobs": 5}, countersSinceSec=3600)
        r["clusterId"] = big_cluster if i < 6 else str(uuid.uuid4())
        assert post(c, r)[0] == 202
    for _ in range(2):
        r = diagnostics("9.9.9-secret", facts={"edition": "acme-special", "tlsEnabled": False, "nodes": 1000},
                        factsStatus="ok", counters={"exports": 7}, countersSinceSec=3600, virtualization="bochs",
                        container="docker")
        r["data"]["os"].update(id="gentoo", versionId="2.15", arch="riscv64")
        r["data"]["cpu"]["logicalCores"] = 64
        r["data"]["memory"]["totalBytes"] = 512 << 30
        r["clusterId"] = pair
        assert post(c, r)[0] == 202


def test_the_public_page_hides_every_small_cell_the_private_one_shows(make_collector, tmp_path):
    tokens = tmp_path / "read-tokens"
    tokens.write_text("reader\n")
    c = make_collector(settings={"PublicMinInstalls": str(K), "ReadTokenFile": str(tokens)}).start()
    _fleet(c)
    auth = {"Authorization": "Bearer reader"}

    status, _, body = c.request("GET", "/api/v1/summary?days=1", None, auth)
    assert status == 200
    private = json.loads(body)
    day = private["days"][-1]
    assert day["byProductVersion"] == {"4.2.1": 10, "9.9.9-secret": 2}
    assert day["byVirtualization"] == {"kvm": 10, "bochs": 2}
    assert private["clusters"]["bySize"] == {"6": 1, "2": 1}
    status, _, page = c.request("GET", "/?days=1", None, auth)
    assert status == 200 and all(rare in page.decode() for rare in ("9.9.9-secret", "acme-special", "exports"))

    # Anyone, no token: the same fleet with every group under K folded.
    public = c.get_json("/api/v1/public/summary?days=1&version=9.9.9-secret")
    assert public["activeInstalls"] == 12, "no filter on the public reads"
    p = public["days"][-1]
    for breakdown in ("byProductVersion", "byOS", "byArch", "byVirtualization", "byContainer", "byCores", "byMemory"):
        assert sum(p[breakdown].values()) == 12, breakdown
        assert all(n >= K for v, n in p[breakdown].items() if v != "other"), (breakdown, p[breakdown])
        assert p[breakdown].get("other", 0) in (0, 2), (breakdown, p[breakdown])
    assert p["byProductVersion"] == {"4.2.1": 10, "other": 2}
    assert p["facts"]["edition"] == {"kind": "enum", "installs": 12, "values": {"oss": 10, "other": 2}}
    assert "tlsEnabled" not in p["facts"], "2 installs without TLS"
    assert p["facts"]["nodes"]["installs"] == 12
    assert set(p["counters"]) == {"jobs"}, "exports: 2 installs, whose sum is their own usage"
    assert public["clusters"]["bySize"] == {"6": 1, "other": 1}
    assert public["products"] == []
    text = json.dumps(public)
    for rare in RARE:
        assert rare not in text, rare

    status, headers, page = c.get("/public?days=1")
    assert status == 200 and headers["content-type"].startswith("text/html")
    html = page.decode()
    assert "4.2.1" in html and "api/v1/public/summary" in html
    for rare in RARE:
        assert rare not in html, rare
    # The private reads stay behind the token.
    assert c.get("/api/v1/summary?days=1")[0] == 401 and c.get("/")[0] == 401


def test_without_public_min_installs_there_is_no_public_page(make_collector):
    c = make_collector().start()
    for path in ("/public", "/api/v1/public/summary"):
        assert c.get(path)[0] == 404, path
