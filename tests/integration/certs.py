"""A throwaway CA and a server certificate for 127.0.0.1 / ::1 / localhost, made with the openssl CLI."""
from __future__ import annotations

import pathlib
import ssl
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Certs:
    dir: pathlib.Path
    ca_pem: pathlib.Path
    ca_key: pathlib.Path
    server_pem: pathlib.Path
    server_key: pathlib.Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.server_pem, self.server_key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca_pem))
        return ctx


def _openssl(*args: str, cwd: pathlib.Path) -> None:
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")


def make_certs(directory: pathlib.Path | str, cn: str = "localhost") -> Certs:
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-sha256",
             "-subj", "/CN=telemetryd test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    _openssl("req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={cn}", cwd=d)
    (d / "server.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.pem", "-days", "2", "-sha256", "-extfile", "server.ext", cwd=d)
    return Certs(d, d / "ca.pem", d / "ca.key", d / "server.pem", d / "server.key")
