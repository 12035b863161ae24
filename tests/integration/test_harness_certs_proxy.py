"""The certificate maker and the tinyproxy wrapper."""
import http.client
import ssl
import subprocess

import pytest

from collector import Collector


def test_server_cert_is_for_loopback_and_signed_by_the_ca(certs):
    text = subprocess.run(["openssl", "x509", "-in", str(certs.server_pem), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "IP Address:127.0.0.1" in text and "DNS:localhost" in text
    v = subprocess.run(["openssl", "verify", "-CAfile", str(certs.ca_pem), str(certs.server_pem)],
                       capture_output=True, text=True)
    assert v.returncode == 0, v.stderr


def test_tinyproxy_tunnels_and_logs_connect(tinyproxy, certs):
    with Collector(tls=certs.server_context()) as c:
        conn = http.client.HTTPSConnection("127.0.0.1", tinyproxy.port, context=certs.client_context(), timeout=10)
        conn.set_tunnel("127.0.0.1", c.port)
        conn.request("POST", c.path, body=b'{"via":"proxy"}', headers={"Content-Type": "application/json"})
        assert conn.getresponse().status == 200
        conn.close()
        assert c.wait_for(1)[0].json == {"via": "proxy"}
        tinyproxy.wait_for_connect(f"127.0.0.1:{c.port}", timeout=5)


def test_tinyproxy_log_has_no_connect_without_traffic(tinyproxy):
    assert tinyproxy.connects() == []
    with pytest.raises(AssertionError, match="no CONNECT"):
        tinyproxy.wait_for_connect("127.0.0.1:1", timeout=0.3)
