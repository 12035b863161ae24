"""A throwaway Debian 12 with its own systemd and a real dpkg database, to install our .deb files into.

    with DebianRoot(tarball, binds_ro=[debdir + ":/debs"]) as c:
        c.wait_until_running()
        c.run("apt-get", "install", "-y", "/debs/telemetryd_0.1.0-1_amd64.deb", check=True)

The root comes from scripts/deb-rootfs (debootstrap, cached as a tarball under .build-deb/) and is unpacked into a
fresh directory for each container; teardown kills the container like nspawn.Container and deletes the directory.
The host network is shared, so a collector on 127.0.0.1 is reachable from inside.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import tempfile

import nspawn

ROOT = pathlib.Path(__file__).resolve().parents[2]


def rootfs_tarball() -> str:
    """The cached tarball (built on first use: about a minute and 160 MB, from the host's Debian mirror)."""
    p = subprocess.run([str(ROOT / "scripts" / "deb-rootfs")], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        raise nspawn.ContainerError(f"scripts/deb-rootfs failed: {p.stderr.strip()}")
    return p.stdout.strip().splitlines()[-1]


class DebianRoot(nspawn.Container):
    def __init__(self, tarball: str, *, binds_ro: list[str] | None = None, log_path: str | None = None):
        super().__init__(unit="/dev/null", binary="/bin/true", confdir="/nonexistent", log_path=log_path)
        self.tarball = tarball
        self.binds_ro = list(binds_ro or [])
        cache = ROOT / ".build-deb"
        cache.mkdir(exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="root-", dir=str(cache))
        subprocess.run(["tar", "-C", self.dir, "-xf", tarball], check=True, timeout=300)
        os.chmod(self.dir, 0o755)  # it becomes the container's /: mkdtemp's 0700 would lock out every service user

    def command(self) -> list[str]:
        cmd = ["systemd-nspawn", "-q", "-D", self.dir, "--register=no", "--keep-unit", "--console=passive"]
        cmd += [f"--bind-ro={b}" for b in self.binds_ro]
        return cmd + ["-b", "--", "systemd.unit=multi-user.target", "systemd.firstboot=off"]

    def path(self, inside: str) -> pathlib.Path:
        """A path of the container's file system, seen from the host (no symlink of the guest is followed)."""
        return pathlib.Path(self.dir) / inside.lstrip("/")

    def files(self, *, exclude: tuple[str, ...] = ()) -> set[str]:
        """Every path of the container's root (files, links and directories), minus the excluded prefixes."""
        out: set[str] = set()
        for top, dirs, names in os.walk(self.dir):
            rel = "/" + os.path.relpath(top, self.dir).lstrip(".")
            rel = rel if rel != "/" else ""
            dirs[:] = [d for d in dirs if not f"{rel}/{d}".startswith(exclude)]
            for n in dirs + names:
                p = f"{rel}/{n}"
                if not p.startswith(exclude):
                    out.add(p)
        return out

    def stop(self) -> None:
        super().stop()
        if getattr(self, "dir", None):
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
