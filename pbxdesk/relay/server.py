"""Serving the relay: embedded in a process (a thread), or in the foreground for ``serve``.

Embedded (``pbxdesk --demo``, tests)::

    relay = RelayServer(tmp_path / "relay")        # or "redis://127.0.0.1:6379/0"
    relay.start()                                  # a free port on 127.0.0.1
    account = relay.add_account("demo")            # .webhook_path, .secret
    desk = relay.add_desk("demo", "1001")          # .desk.id, .token
    relay.webhook_url("demo", "user-inbound-call") # where the PBX (the sandbox) posts
    relay.base_url                                 # where pbxdesk connects (GET /events)
    relay.stop()

The admin calls run on the server's own loop, so they work with either store
while it serves. ``serve_forever`` is the command line's foreground server:
uvicorn with its signal handling (Ctrl+C, SIGTERM stop it cleanly).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from pbxdesk.relay.admin import AccountCredentials, DeskCredentials, add_account, add_desk
from pbxdesk.relay.app import Relay, RelayConfig, build_app
from pbxdesk.relay.deadline import with_header_deadline
from pbxdesk.relay.records import DEFAULT_RETENTION_SECONDS
from pbxdesk.relay.store import RelayStore, make_store
from pbxdesk.serving import PromptServer, ServerThread, bind_tcp

log = logging.getLogger("pbxdesk.relay")
T = TypeVar("T")


def _uvicorn_config(relay: Relay, **options: Any) -> uvicorn.Config:
    # uvicorn's own HTTP protocol, with a deadline for each request's headers.
    http = with_header_deadline(AutoHTTPProtocol, relay.config.header_seconds)
    return uvicorn.Config(
        build_app(relay), lifespan="on", ws="none", log_config=None, access_log=False,
        timeout_graceful_shutdown=3, timeout_keep_alive=5, server_header=False, http=http,
        **options)


class RelayServer:
    """A relay on a background thread; ``store`` is a folder, a ``redis://`` URL or a store."""

    def __init__(self, store: str | Path | RelayStore, host: str = "127.0.0.1", port: int = 0,
                 *, config: RelayConfig | None = None, retention_seconds: float = 86_400.0,
                 records_retention_seconds: float = DEFAULT_RETENTION_SECONDS,
                 certfile: str | None = None, keyfile: str | None = None) -> None:
        if not isinstance(store, RelayStore):
            store = make_store(store, retention_seconds=retention_seconds,
                               records_retention_seconds=records_retention_seconds, lock=True)
        self.relay = Relay(store, config)
        self.host = host
        self._requested_port = port
        self._tls = {"ssl_certfile": certfile, "ssl_keyfile": keyfile} if certfile else {}
        self._port: int | None = None
        self._runner: ServerThread | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the relay is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` (``https`` with a certificate; IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    def webhook_url(self, account: str, trigger: str | None = None) -> str:
        """The URL the PBX posts to: ``/hooks/ACCOUNT`` or ``/hooks/ACCOUNT/TRIGGER``."""
        return f"{self.base_url}/hooks/{account}" + (f"/{trigger}" if trigger else "")

    def start(self, timeout: float = 15.0) -> None:
        """Serve on a background thread; RuntimeError when the store cannot be opened."""
        if self._runner is not None:
            raise RuntimeError("the relay is already running")
        sock = bind_tcp(self.host, self._requested_port)
        port = sock.getsockname()[1]
        server = PromptServer(_uvicorn_config(self.relay, **self._tls))
        server.before_shutdown = self.relay.close_streams
        runner = ServerThread(server, sock, f"relay-server-{port}")
        try:
            runner.start(timeout)
        except RuntimeError:
            raise RuntimeError(f"the relay did not start on {self.host} (its log says why: "
                               "often the store cannot be opened)") from None
        self._port, self._runner = port, runner
        log.info("Relay serving on %s", self.base_url)

    def stop(self, timeout: float = 10.0) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        runner.stop(timeout)
        log.info("Relay on port %s stopped", self._port)
        self._port = None

    def add_account(self, name: str) -> AccountCredentials:
        """:func:`pbxdesk.relay.admin.add_account` on the running relay (AdminError if taken)."""
        return self._run(add_account(self.relay.store, name))

    def add_desk(self, account: str, extension: str, queues: Iterable[str] = (),
                 ring_groups: Iterable[str] = ()) -> DeskCredentials:
        """:func:`pbxdesk.relay.admin.add_desk` on the running relay."""
        return self._run(add_desk(self.relay.store, account, extension, tuple(queues),
                                  tuple(ring_groups)))

    def revoke_desk(self, desk_id: str) -> bool:
        return self._run(self.relay.store.remove_desk(desk_id))

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        runner = self._runner
        loop = runner.server.loop if runner is not None else None
        if loop is None:
            coroutine.close()
            raise RuntimeError("the relay is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

    def __enter__(self) -> RelayServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def serve_forever(store: RelayStore, host: str, port: int, *, config: RelayConfig | None = None,
                  certfile: str | None = None, keyfile: str | None = None,
                  forwarded_allow_ips: str | None = None) -> int:
    """Serve in the foreground until Ctrl+C / SIGTERM; the exit status for the command line."""
    relay = Relay(store, config)
    options: dict[str, Any] = {}
    if certfile:
        options.update(ssl_certfile=certfile, ssl_keyfile=keyfile)
    if forwarded_allow_ips is not None:
        options["forwarded_allow_ips"] = forwarded_allow_ips
    server = PromptServer(_uvicorn_config(relay, **options))
    server.before_shutdown = relay.close_streams
    scheme = "https" if certfile else "http"
    try:
        # Our own socket: uvicorn's would lack TCP_NODELAY (see bind_tcp), and every
        # small event written to a desk could then wait for a delayed ACK.
        sock = bind_tcp(host, port)
    except OSError as exc:
        log.error("Cannot listen on %s port %d: %s", host, port, exc.strerror or exc)
        return 1
    log.info("Relay starting on %s://%s:%d", scheme, host, port)
    server.run(sockets=[sock])
    return 0 if server.started else 1
