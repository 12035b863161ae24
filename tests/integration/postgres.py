"""A throwaway PostgreSQL server from Debian's packages, for tests and benchmarks.

`Postgres(directory)` runs `initdb` and `pg_ctl` from /usr/lib/postgresql/15/bin (or $POSTGRES_BIN) in a fresh
directory, as the unprivileged `postgres` user when we are root (initdb refuses root), listening on 127.0.0.1
only, on a free port, with its socket in that directory. One role and one database, both `telemetry`, with a
password (`.password`, also in `.password_file`, readable by us only), so the collector is tested with
`Database=postgresql://telemetry@127.0.0.1:PORT/telemetry` + `PasswordFile=` as an operator would run it.

`.stop()` ends the server by its PID (fast shutdown: SIGINT, then SIGKILL after a timeout) and `.start()` brings it
back on the same port and data, for outage tests. `.psql(sql)` runs SQL through the socket as the owner.
`durable=False` (the default, for tests) turns fsync off; benchmarks pass `durable=True`.
"""
from __future__ import annotations

import os
import pathlib
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

BIN = pathlib.Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
DB = "telemetry"
ROLE = "telemetry"


def missing_preconditions() -> str | None:
    for tool in ("initdb", "pg_ctl", "postgres", "psql"):
        if not (BIN / tool).exists():
            return (f"PostgreSQL server binaries not found in {BIN} ({tool}): "
                    f"install Debian's postgresql package (scripts/install-deps --test) or set POSTGRES_BIN")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no 'postgres' user to run the server as (Debian's postgresql creates it)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, directory: pathlib.Path | str | None = None, durable: bool = False):
        reason = missing_preconditions()
        if reason:
            raise RuntimeError(reason)
        # The server's user must reach the directory: pytest's tmp_path lives under a 0700 directory of root's, so
        # the data goes into its own directory under /tmp (short, too: a Unix socket path has at most 107 bytes).
        self._own_dir = directory is None
        self.dir = pathlib.Path(directory or tempfile.mkdtemp(prefix="telemetry-pg-"))
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.password = secrets.token_urlsafe(18)
        self.password_file = self.dir / "password"
        self.durable = durable
        self.port = 0
        self.pid: int | None = None
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            entry = pwd.getpwnam("postgres")
            self._uid, self._gid = entry.pw_uid, entry.pw_gid
        else:
            self._uid, self._gid = os.geteuid(), os.getegid()

    # -- the URL and config a collector uses ------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DB}"

    def collector_config(self) -> dict[str, str]:
        return {"Database": self.url, "PasswordFile": str(self.password_file)}

    # -- life cycle ---------------------------------------------------------------------------------------------
    def _run(self, *cmd: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as_user, *cmd], input=input, capture_output=True, text=True, check=check,
                              cwd=self.dir, timeout=120)

    def init(self) -> "Postgres":
        os.chown(self.dir, self._uid, self._gid)
        os.chmod(self.dir, 0o700)
        pwfile = self.dir / "initdb.pw"
        pwfile.write_text(self.password + "\n")
        os.chown(pwfile, self._uid, self._gid)
        try:
            r = self._run(str(BIN / "initdb"), "-D", str(self.data), "-U", ROLE, f"--pwfile={pwfile}",
                          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8",
                          "--no-sync", check=False)
        finally:
            pwfile.unlink()
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed ({r.returncode}): {r.stderr.strip()[-2000:]}")
        self.password_file.write_text(self.password + "\n")
        os.chmod(self.password_file, 0o600)
        return self

    def start(self, timeout: float = 30.0) -> "Postgres":
        if not self.data.exists():
            self.init()
        ports = [self.port] if self.port else [_free_port() for _ in range(3)]
        last = ""
        for port in ports:
            opts = [f"-p {port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={self.dir}",
                    "-c max_connections=200", "-c log_min_messages=warning"]
            if not self.durable:
                opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
            r = self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                          "-t", str(int(timeout)), "-o", " ".join(opts), "start", check=False)
            if r.returncode == 0:
                self.port = port
                self.pid = int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
                if not self._database_exists():
                    self.psql(f"CREATE DATABASE {DB} OWNER {ROLE}", db="postgres")
                return self
            last = f"{r.stdout}{r.stderr}{self.log.read_text(errors='replace')[-2000:] if self.log.exists() else ''}"
        raise RuntimeError(f"PostgreSQL did not start in {self.dir}: {last.strip()[-3000:]}")

    def _database_exists(self) -> bool:
        out = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DB}'", db="postgres")
        return out.strip() == "1"

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown by PID (SIGINT: roll back, disconnect clients, checkpoint); SIGKILL if it hangs."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGINT)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "Postgres":
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()

    # -- SQL -----------------------------------------------------------------------------------------------------
    def psql(self, sql: str, db: str = DB) -> str:
        """Runs SQL through the Unix socket as the owner role; returns the unaligned, tuples-only output."""
        r = self._run(str(BIN / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.dir),
                      "-p", str(self.port), "-U", ROLE, "-d", db, input=sql + ";\n", check=False)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr.strip()}\nSQL: {sql[:500]}")
        return r.stdout


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of ours would still answer; the server is pg_ctl's child (re-parented), so it is reaped by init.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
