"""A real TLS handshake on loopback: an untrusted certificate is a TlsError.

The server's certificate is self-signed (made with the openssl command), so the
operating system's trust store, which the client checks against through
truststore, must refuse it.
"""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from pbxdesk.api.errors import TlsError
from tests.fixtures.api import MakeClient
from tests.resources.helpers import require_tool


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, signed by nobody the system trusts.

    Needs the openssl command: missing on Linux is a failure, not a skip
    (``python3 scripts/dev.py setup`` installs it).
    """
    openssl = require_tool("openssl", "openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest_asyncio.fixture
async def untrusted_https(self_signed: tuple[Path, Path]) -> AsyncIterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.asyncio
async def test_untrusted_certificate_is_a_tls_error(untrusted_https: int,
                                                    make_client: MakeClient) -> None:
    client = make_client(base_url=f"https://127.0.0.1:{untrusted_https}", api_key="tls-key-1")
    with pytest.raises(TlsError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        await client.check_connection()
    message = str(caught.value)
    assert "secure connection to 127.0.0.1 failed" in message
    assert "certificate" in message.lower()
    assert client.budget.used() == 1
