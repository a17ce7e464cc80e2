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
import contextlib
import socket
import threading
import time
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from pbxdesk.logs import sandbox_log
from pbxdesk.sandbox.core import Sandbox
from pbxdesk.sandbox.faults import CONNECTION_KEY, ConnectionLink


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


class _PromptServer(uvicorn.Server):
    """uvicorn's server, but stopping within milliseconds instead of a 0.1 s tick.

    uvicorn polls ``should_exit`` every 0.1 s; test suites start and stop many
    servers, so here the main loop waits on an event that :meth:`exit_soon`
    sets from any thread, ticking once a second for the Date header.
    """

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864_000  # on_tick refreshes the Date on multiples of 10
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    def exit_soon(self) -> None:
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(wake.set)


class SandboxServer:
    """A running HTTP server for one :class:`Sandbox`."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: _PromptServer | None = None
        self._thread: threading.Thread | None = None

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
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on sockets that say they are
        # TCP, and without it every answer waits ~40 ms for a delayed ACK (Nagle).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self._requested_port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.sandbox.app, http=_LinkedH11Protocol, ws="none", lifespan="off",
            log_config=None, access_log=False, timeout_graceful_shutdown=2,
            timeout_keep_alive=5)
        server = _PromptServer(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name=f"sandbox-server-{self._port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                sock.close()
                raise RuntimeError(f"the sandbox server did not start on {self.host}")
            time.sleep(0.005)
        sandbox_log.info("Sandbox serving on %s", self.base_url)

    def stop(self, timeout: float = 10.0) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None or thread is None:
            return
        server.exit_soon()
        thread.join(timeout)
        if thread.is_alive():  # a client holding a connection open: stop waiting for it
            server.force_exit = True
            thread.join(timeout)
        sandbox_log.info("Sandbox server on port %s stopped", self._port)
        self._port = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
