"""A deadline for each request's headers: slow or silent clients are disconnected.

uvicorn waits for a request's headers without a time limit: a client that
connects and sends nothing (or a byte now and then: "slowloris") holds its
connection, and a file descriptor, for ever. A few thousand such clients use
up the process's descriptors and the relay stops answering the PBX and every
desk. :func:`with_header_deadline` makes uvicorn's own HTTP protocol close a
connection whose request headers have not all arrived ``seconds`` after the
connection opened (or after its previous response, on a kept-alive
connection). A request once under way is not affected: a desk's event stream
stays open as long as it likes, and a slow body is the handler's business
(:func:`pbxdesk.relay.payload.read_limited`).
"""

from __future__ import annotations

import asyncio
from typing import Any

HEADER_SECONDS = 10.0
"""Time a client has to send a request's headers (the PBX and desks need milliseconds)."""


def with_header_deadline(base: type[asyncio.Protocol],
                         seconds: float = HEADER_SECONDS) -> type[asyncio.Protocol]:
    """``base`` (one of uvicorn's HTTP protocol classes), closing clients slow to send headers.

    Relies on what uvicorn's h11 and httptools protocols share: ``loop``,
    ``transport`` and ``cycle`` (the request being answered, set as soon as its
    headers are parsed; ``response_complete`` once it is answered).
    """

    class HeaderDeadline(base):  # type: ignore[valid-type,misc]  # a class chosen at run time
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._watch()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_watching()
            super().connection_lost(exc)

        def _waiting_for_headers(self) -> bool:
            cycle = getattr(self, "cycle", None)
            return cycle is None or bool(getattr(cycle, "response_complete", False))

        def _watch(self) -> None:
            if not self._waiting_for_headers():
                self._stop_watching()
            elif self._deadline is None:
                self._deadline = self.loop.call_later(seconds, self._expired)

        def _stop_watching(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            transport = getattr(self, "transport", None)
            if self._waiting_for_headers() and transport is not None \
                    and not transport.is_closing():
                transport.close()

    HeaderDeadline.__name__ = HeaderDeadline.__qualname__ = f"HeaderDeadline{base.__name__}"
    return HeaderDeadline
