"""The throwaway PostgreSQL of postgres.py on its own: loopback only, password auth over TCP, stop and come back."""
from __future__ import annotations

import socket
import subprocess

import pytest

from postgres import BIN, DB, ROLE


def _tcp_psql(pg, password: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "psql"), "-X", "-A", "-t", "-h", "127.0.0.1", "-p", str(pg.port), "-U", ROLE,
                           "-d", DB, "-c", "SELECT current_user"], env={"PGPASSWORD": password, "PATH": "/usr/bin"},
                          capture_output=True, text=True, timeout=30)


def test_password_over_tcp_and_only_on_loopback(postgres):
    assert postgres.password_file.read_text().strip() == postgres.password
    assert _tcp_psql(postgres, postgres.password).stdout.strip() == ROLE
    wrong = _tcp_psql(postgres, "not-the-password")
    assert wrong.returncode != 0 and "password authentication failed" in wrong.stderr
    assert postgres.psql("SHOW listen_addresses").strip() == "127.0.0.1"


def test_stop_by_pid_then_start_on_the_same_port_keeps_the_data(postgres):
    postgres.psql("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
    port, pid = postgres.port, postgres.pid
    postgres.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    postgres.start()
    assert postgres.port == port and postgres.pid != pid
    assert postgres.psql("SELECT n FROM kept").strip() == "42"
