"""Running an ASGI app with uvicorn on a background thread (the sandbox and the relay).

:func:`bind_tcp` binds the listening socket first, so port 0 gives a free
port known before the thread starts; :class:`ServerThread` runs a
:class:`PromptServer` on it and stops it on request. uvicorn is told nothing
about logging or signals here, so it can run inside the app or a test run.
No Qt here.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable

import uvicorn


class PromptServer(uvicorn.Server):
    """uvicorn's server, but stopping within milliseconds instead of a 0.1 s tick.

    uvicorn polls ``should_exit`` every 0.1 s; test suites start and stop many
    servers, so here the main loop waits on an event that :meth:`exit_soon`
    sets from any thread, ticking once a second for the Date header.
    ``before_shutdown`` runs on the server's loop as shutdown begins (the
    relay ends its endless event streams there, so shutdown need not wait
    for them to time out).
    """

    _wake: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    before_shutdown: Callable[[], None] | None = None

    async def main_loop(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864_000  # on_tick refreshes the Date on multiples of 10
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.before_shutdown is not None:
            self.before_shutdown()
        await super().shutdown(sockets)

    def exit_soon(self) -> None:
        self.should_exit = True
        loop, wake = self.loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(wake.set)


def bind_tcp(host: str, port: int) -> socket.socket:
    """A bound (not yet listening) TCP socket; OSError when the address is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on sockets that say they are
    # TCP, and without it every answer waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class ServerThread:
    """One :class:`PromptServer` on its own thread, serving a socket from :func:`bind_tcp`."""

    def __init__(self, server: PromptServer, sock: socket.socket, name: str) -> None:
        self.server = server
        self._sock = sock
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                        name=name, daemon=True)

    def start(self, timeout: float) -> None:
        """Start and wait until it serves; RuntimeError when it does not within ``timeout``."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop(timeout)
                self._sock.close()
                raise RuntimeError("the server did not start")
            time.sleep(0.005)

    def stop(self, timeout: float) -> None:
        self.server.exit_soon()
        self._thread.join(timeout)
        if self._thread.is_alive():  # a client holding a connection open: stop waiting for it
            self.server.force_exit = True
            self._thread.join(timeout)
