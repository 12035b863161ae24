"""A synthetic fleet of telemetryd installs, for the collector's benchmarks (scripts/collector-bench).

Deterministic for a seed: `Fleet(installs, days)` gives every install a life (first and last day: the fleet grows,
some installs go away), a cluster (most alone, some in clusters of 2 to 9 nodes), hardware and OS drawn from a
plausible mix, and a product version that is upgraded as releases come out. `reports()` yields one report per
install and active day, each a valid report-v1 body exactly as telemetryd sends it (a keep-alive every active day,
and a diagnostics report before it on an install's first day and every third day), so 10,000 installs over 100 days
are about a million reports. Diagnostics reports carry the product's facts (an enum, a boolean, numbers) and counters
(increments since the install's last diagnostics report, as telemetryd sends them) unless `Fleet(facts=False)`:
the ingest benchmark compares the two.

Also usable on its own:

    python3 scripts/bench/fleet.py --installs 100 --days 10 > reports.jsonl    # JSON lines, as `telemetryd export`
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import struct
import sys
import uuid
from dataclasses import dataclass
from typing import Iterator

OSES = [  # (id, versionId, prettyName, kernel, weight)
    ("debian", "12", "Debian GNU/Linux 12 (bookworm)", "6.1.0-28-amd64", 30),
    ("debian", "11", "Debian GNU/Linux 11 (bullseye)", "5.10.0-33-amd64", 8),
    ("ubuntu", "24.04", "Ubuntu 24.04.1 LTS", "6.8.0-49-generic", 22),
    ("ubuntu", "22.04", "Ubuntu 22.04.5 LTS", "5.15.0-126-generic", 18),
    ("rhel", "9.5", "Red Hat Enterprise Linux 9.5 (Plow)", "5.14.0-503.14.1.el9_5.x86_64", 9),
    ("rocky", "9.4", "Rocky Linux 9.4 (Blue Onyx)", "5.14.0-427.42.1.el9_4.x86_64", 6),
    ("amzn", "2023", "Amazon Linux 2023.6.20241121", "6.1.115-126.197.amzn2023.x86_64", 5),
    ("alpine", "3.20.3", "Alpine Linux v3.20", "6.6.58-0-lts", 2),
]
ARCHES = [("x86_64", 78), ("aarch64", 22)]
VIRT = [("none", 30), ("kvm", 40), ("amazon", 12), ("vmware", 9), ("microsoft", 6), ("xen", 3)]
CONTAINERS = [("none", 70), ("docker", 18), ("podman", 5), ("lxc", 4), ("systemd-nspawn", 3)]
CORES = [(1, 6), (2, 22), (4, 28), (8, 22), (16, 12), (32, 6), (64, 3), (128, 1)]
MEMORY_GIB = [(1, 6), (2, 14), (4, 22), (8, 24), (16, 16), (32, 10), (64, 5), (128, 2), (256, 1)]
CPU_MODELS = {"x86_64": ["AMD EPYC 7763 64-Core Processor", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
                         "Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz"],
              "aarch64": ["Neoverse-N1", "Neoverse-V1", "Cortex-A72"]}
# Product releases: (day of release, version). Installs upgrade some days after a release, or never.
RELEASES = [(-400, "4.0.3"), (-120, "4.1.0"), (-30, "4.1.2"), (20, "4.2.0"), (55, "4.2.1"), (85, "4.3.0")]
AGENT = {"name": "telemetryd", "version": "0.1.0"}
PRODUCT = "acme-db"


def _pick(rng: random.Random, table):
    return rng.choices([t[:-1] if len(t) > 2 else t[0] for t in table], weights=[t[-1] for t in table])[0]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class Install:
    instance_id: str
    cluster_id: str
    first_day: int
    last_day: int
    os: tuple
    arch: str
    virt: str
    container: str
    cores: int
    memory_gib: int
    cpu_model: str
    upgrade_lag: int  # days after a release until this install takes it (large = never)


class Fleet:
    def __init__(self, installs: int = 10_000, days: int = 100, seed: int = 1,
                 end: dt.date | None = None, facts: bool = True):
        self.days = days
        self.facts = facts
        self.end = end or dt.datetime.now(dt.timezone.utc).date()
        self.start = self.end - dt.timedelta(days=days - 1)
        rng = random.Random(seed)
        self.installs: list[Install] = []
        cluster_pool: list[tuple[str, int]] = []  # (clusterId, nodes still to place)
        for _ in range(installs):
            # Two thirds were there before the window; the rest arrive during it. A fifth go away before the end.
            first = 0 if rng.random() < 0.66 else rng.randrange(days)
            last = days - 1 if rng.random() < 0.8 else rng.randrange(first, days)
            if cluster_pool and rng.random() < 0.35:
                i = rng.randrange(len(cluster_pool))
                cid, left = cluster_pool[i]
                cluster_pool[i] = (cid, left - 1)
                if left - 1 <= 0:
                    cluster_pool.pop(i)
            else:
                cid = _uuid(rng)
                if rng.random() < 0.12:
                    cluster_pool.append((cid, rng.randrange(1, 9)))
            arch = _pick(rng, ARCHES)
            self.installs.append(Install(
                instance_id=_uuid(rng), cluster_id=cid, first_day=first, last_day=last, os=_pick(rng, OSES),
                arch=arch, virt=_pick(rng, VIRT), container=_pick(rng, CONTAINERS), cores=_pick(rng, CORES),
                memory_gib=_pick(rng, MEMORY_GIB), cpu_model=rng.choice(CPU_MODELS[arch]),
                upgrade_lag=rng.choice([1, 3, 7, 14, 30, 60, 10_000])))
        self._rng = random.Random(seed + 1)

    def version_on(self, inst: Install, day: int) -> str:
        version = RELEASES[0][1]
        for released, v in RELEASES:
            if released + inst.upgrade_lag <= day:
                version = v
        return version

    def report(self, inst: Install, day: int, when: dt.datetime, diagnostics: bool) -> dict:
        rng = self._rng
        product = {"name": PRODUCT, "version": self.version_on(inst, day)}
        body = {"schemaVersion": 1, "messageId": _uuid(rng),
                "type": "diagnostics" if diagnostics else "keepalive",
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "instanceId": inst.instance_id,
                "clusterId": inst.cluster_id, "agent": AGENT, "product": product}
        uptime = 3600 * (1 + day - inst.first_day) * 24 + rng.randrange(3600)
        if not diagnostics:
            body["data"] = {"uptimeSec": uptime, "agentUptimeSec": uptime - 40}
            return body
        os_id, version_id, pretty, kernel = inst.os
        mem = inst.memory_gib << 30
        body["data"] = {
            "os": {"id": os_id, "versionId": version_id, "prettyName": pretty,
                   "kernel": kernel.replace("amd64", "arm64") if inst.arch == "aarch64" else kernel,
                   "arch": inst.arch},
            "cpu": {"model": inst.cpu_model, "logicalCores": inst.cores, "hostLogicalCores": inst.cores,
                    "load1": round(rng.random() * inst.cores / 2, 2), "load5": round(rng.random(), 2),
                    "load15": round(rng.random(), 2)},
            "memory": {"totalBytes": mem, "hostTotalBytes": mem, "availableBytes": int(mem * rng.uniform(0.2, 0.9)),
                       "swapTotalBytes": 1 << 30, "swapFreeBytes": 1 << 30},
            "uptimeSec": uptime, "virtualization": inst.virt, "container": inst.container,
            "config": {"compression": True, "proxy": rng.random() < 0.1, "dryRun": False, "customCA": False},
        }
        if not self.facts:
            body["data"].update({"facts": None, "factsStatus": "none", "counters": None, "countersSinceSec": None})
            return body
        scale = 1 + inst.cores // 4
        body["data"].update({
            "facts": {"edition": "oss" if rng.random() < 0.85 else "enterprise",
                      "clusterNodes": 1 + int(inst.cluster_id[:2], 16) % 5, "tlsEnabled": rng.random() < 0.6,
                      "storageGiB": round(rng.lognormvariate(4, 1.5), 1), "tables": rng.randrange(1, 2000),
                      "replication": rng.choice(["none", "async", "sync"])},
            "factsStatus": "ok",
            # Three days of use since the last diagnostics report; the first one is a baseline only (no counters).
            "counters": None if day == inst.first_day else {
                name: n for name, n in (("queries", rng.randrange(1_000, 500_000) * scale),
                                        ("backups", rng.randrange(0, 4)),
                                        ("schemaChanges", rng.randrange(0, 3) if rng.random() < 0.2 else 0)) if n},
            "countersSinceSec": None if day == inst.first_day else 3 * 86_400,
        })
        return body

    def reports(self) -> Iterator[dict]:
        """Every install's reports of each active day, in time order (the hour of day is the install's own)."""
        for day in range(self.days):
            date = self.start + dt.timedelta(days=day)
            midnight = dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
            todays = []
            for inst in self.installs:
                if inst.first_day <= day <= inst.last_day:
                    seconds = (int(inst.instance_id[:8], 16) + day * 977) % 86_400
                    todays.append((seconds, inst))
            todays.sort(key=lambda t: t[0])
            for seconds, inst in todays:
                at = midnight + dt.timedelta(seconds=min(seconds, 86_340))
                if (day - inst.first_day) % 3 == 0:
                    yield self.report(inst, day, at, True)
                yield self.report(inst, day, at + dt.timedelta(seconds=59), False)

    def fresh(self, count: int, when: dt.datetime | None = None) -> Iterator[dict]:
        """`count` new reports (new messageIds) from the fleet's installs, stamped `when` (now): ingest load."""
        when = when or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        for i in range(count):
            inst = self.installs[i % len(self.installs)]
            yield self.report(inst, self.days - 1, when, (i // len(self.installs)) % 3 == 0)


def write_bodies(reports, path: str, compress: bool = True) -> int:
    """Length-prefixed (4 bytes, big-endian) request bodies, gzip'd as telemetryd sends them: for ingest.lua."""
    n = 0
    with open(path, "wb") as f:
        for r in reports:
            raw = json.dumps(r, separators=(",", ":")).encode()
            body = gzip.compress(raw, compresslevel=6, mtime=0) if compress else raw
            f.write(struct.pack(">I", len(body)))
            f.write(body)
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--installs", type=int, default=100)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = sys.stdout
    for r in Fleet(a.installs, a.days, a.seed).reports():
        out.write(json.dumps(r, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
