"""Fixtures for the settings dialog and the connection tester.

- ``key_store``: an :class:`ApiKeyStore` whose private file lives in ``tmp_path``.
- ``make_dialog``: builds a shown :class:`SettingsDialog` on a running qasync loop.
- ``no_keyring``: the keyring backend of a headless box (``fail.Keyring``).
- ``canned_server``: a loopback HTTP server that answers every GET with one canned reply.
- ``closed_port``: a loopback port nothing listens on.
- ``silent_server``: a loopback port that accepts connections and never answers.
- ``untrusted_https``: a loopback HTTPS server with a self-signed certificate.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import keyring
import keyring.backends.fail
import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.budget import RequestBudget
from pbxdesk.secrets import ApiKeyStore
from pbxdesk.services.connection import ConnectionTester, TransportFactory
from pbxdesk.settings import Settings
from pbxdesk.tasks import TaskKeeper
from pbxdesk.ui.settingsdialog import SettingsDialog
from tests.api.test_tls import self_signed  # noqa: F401 — the shared certificate fixture


class MakeDialog(Protocol):
    def __call__(self, settings: Settings | None = None, *, api_key: str | None = None,
                 budget: RequestBudget | None = None,
                 transport_factory: TransportFactory | None = None) -> SettingsDialog: ...


class CannedServer(Protocol):
    def __call__(self, status: int, body: bytes, content_type: str) -> str: ...


@pytest.fixture
def key_store(tmp_path: Path) -> ApiKeyStore:
    return ApiKeyStore(tmp_path / "config" / "api-key")


@pytest.fixture
def tasks() -> Iterator[TaskKeeper]:
    errors: list[BaseException] = []
    keeper = TaskKeeper(on_error=errors.append)
    yield keeper
    assert errors == [], "a background task of the dialog failed"


@pytest.fixture
def make_dialog(qtbot: QtBot, qloop: qasync.QEventLoop, key_store: ApiKeyStore,
                tasks: TaskKeeper) -> MakeDialog:
    def make(settings: Settings | None = None, *, api_key: str | None = None,
             budget: RequestBudget | None = None,
             transport_factory: TransportFactory | None = None) -> SettingsDialog:
        tester = ConnectionTester(budget or RequestBudget(limit=100), transport_factory)
        dialog = SettingsDialog(settings or Settings(), key_store, tester, tasks=tasks,
                                api_key=api_key)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def canned_server() -> Iterator[CannedServer]:
    servers: list[http.server.ThreadingHTTPServer] = []

    def serve(status: int, body: bytes, content_type: str) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Connections are queued by the kernel and never read: every request hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


@pytest.fixture
def untrusted_https(self_signed: tuple[Path, Path]) -> Iterator[int]:  # noqa: F811
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.settimeout(5)
            # The client refuses the certificate: the handshake fails here, quietly.
            with contextlib.suppress(OSError), context.wrap_socket(conn, server_side=True):
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        listener.close()
