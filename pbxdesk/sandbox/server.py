"""Serving a sandbox over real HTTP: uvicorn on its own thread, 127.0.0.1 by default.

``with SandboxServer(sandbox) as server:`` binds a free port (or the one given),
starts uvicorn's h11 server in a background thread, and stops it on exit; the
sandbox itself stays open (close it separately). uvicorn is told not to touch
logging configuration or signal handlers, so it can run inside the app or a
test run.

The protocol class is uvicorn's h11 one plus a :class:`ConnectionLink` in each
request's ``scope["state"]``, through which the fault middleware can close the
socket without answering (``drop``) or in the middle of a body (``truncate``).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from pbxdesk.logs import sandbox_log
from pbxdesk.sandbox.core import Sandbox
from pbxdesk.sandbox.faults import CONNECTION_KEY, ConnectionLink
from pbxdesk.serving import PromptServer, ServerThread, bind_tcp


class _LinkedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol that lets the app close its own connection."""

    def __init__(self, config: uvicorn.Config, server_state: Any, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        # A copy per connection: the link below must not leak into other connections.
        super().__init__(config, server_state, dict(app_state), _loop)
        self._link: ConnectionLink | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        super().connection_made(transport)
        self._link = ConnectionLink(transport)
        self.app_state[CONNECTION_KEY] = self._link

    def connection_lost(self, exc: Exception | None) -> None:
        if self._link is not None:
            self._link.lost.set()
        super().connection_lost(exc)


class SandboxServer:
    """A running HTTP server for one :class:`Sandbox`."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._runner: ServerThread | None = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        if self._runner is not None:
            raise RuntimeError("the server is already running")
        sock = bind_tcp(self.host, self._requested_port)
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.sandbox.app, http=_LinkedH11Protocol, ws="none", lifespan="off",
            log_config=None, access_log=False, timeout_graceful_shutdown=2,
            timeout_keep_alive=5)
        runner = ServerThread(PromptServer(config), sock, f"sandbox-server-{self._port}")
        try:
            runner.start(timeout)
        except RuntimeError:
            self._port = None
            raise RuntimeError(f"the sandbox server did not start on {self.host}") from None
        self._runner = runner
        sandbox_log.info("Sandbox serving on %s", self.base_url)

    def stop(self, timeout: float = 10.0) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        runner.stop(timeout)
        sandbox_log.info("Sandbox server on port %s stopped", self._port)
        self._port = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
