"""The container wrapper: the command it runs, and that a boot and teardown leave nothing behind."""
import os
import subprocess

import pytest

import nspawn
from conftest import BIN

REQUIRED = ["-q", "-D", "/", "--volatile=yes", "--register=no", "--keep-unit", "--console=passive", "-b"]


def test_command_boots_a_volatile_copy_of_the_host(tmp_path):
    unit = tmp_path / "u.service"
    unit.write_text("[Service]\nExecStart=/bin/true\n")
    c = nspawn.Container(unit=str(unit), binary="/bin/true", confdir=str(tmp_path))
    cmd = c.command()
    try:
        assert cmd[0] == "systemd-nspawn"
        for flag in REQUIRED:
            assert flag in cmd
        assert f"--bind-ro={unit}:/etc/systemd/system/telemetryd.service" in cmd
        assert f"--bind-ro={tmp_path}:/etc/telemetryd" in cmd
        assert any(a.startswith("--overlay-ro=/usr/bin:") and a.endswith(":/usr/bin") for a in cmd)
        assert cmd[-2:] == ["systemd.unit=multi-user.target", "systemd.firstboot=off"]
        assert not any("catalog" in a for a in cmd), "no catalog given, none mounted"
        cat = tmp_path / "x.catalog"
        cat.write_text("-- 00000000000000000000000000000001\nSubject: x\n")
        withcat = nspawn.Container(unit=str(unit), binary="/bin/true", confdir=str(tmp_path), catalog=str(cat))
        try:
            # Where journalctl --update-catalog looks (never /etc/systemd/catalog).
            [ov] = [a for a in withcat.command() if "catalog" in a]
            assert ov.startswith("--overlay-ro=/usr/lib/systemd/catalog:") and ov.endswith(":/usr/lib/systemd/catalog")
            top = ov.split(":")[1]
            assert open(os.path.join(top, "telemetryd.catalog")).read() == cat.read_text()
        finally:
            withcat.stop()
        assert not os.path.exists(top), "teardown removes the catalog overlay dir"
        rw = nspawn.Container(unit=str(unit), binary="/bin/true", confdir=str(tmp_path), confdir_writable=True)
        assert f"--bind={tmp_path}:/etc/telemetryd" in rw.command()
        rw.stop()
    finally:
        c.stop()


def test_foreign_library_dirs_of_a_system_binary_are_none():
    assert nspawn.foreign_library_dirs("/bin/true") == []


def test_boot_run_and_teardown(tmp_path):
    reason = nspawn.missing_preconditions()
    if reason:
        pytest.skip(reason)
    unit = tmp_path / "u.service"
    unit.write_text("[Service]\nType=oneshot\nExecStart=/usr/bin/telemetryd --version\nRemainAfterExit=yes\n")
    binary = str(BIN) if BIN.exists() else "/bin/true"
    with nspawn.Container(unit=str(unit), binary=binary, confdir=str(tmp_path),
                          log_path=str(tmp_path / "nspawn.log")) as c:
        assert c.wait_until_running(timeout=60) in ("running", "degraded")
        # Inside is another PID namespace with systemd as PID 1, and our unit file.
        assert c.run("cat", "/proc/1/comm", check=True).stdout.strip() == "systemd"
        assert "ExecStart=/usr/bin/telemetryd" in c.run("cat", "/etc/systemd/system/telemetryd.service").stdout
        with pytest.raises(nspawn.ContainerError, match="exited 1, wanted 0"):
            c.run("false", check=True)
        init, nspawn_pid = c.init_pid, c.proc.pid
    assert c.proc.poll() is not None
    for pid in (init, nspawn_pid):
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
