"""Injected faults: the bad days of a real network, on demand.

A :class:`Fault` is one misbehaviour (added latency, a random or a given 5xx,
a truncated body, a body that is not JSON, a dropped connection) for the next
``count`` API requests (or until cleared), optionally only for one endpoint.
:class:`FaultBook` holds them (thread-safe); :class:`FaultMiddleware` applies
them in front of the API routes.

A dropped connection closes the socket without any answer. With
``after_processing`` (the default for drops) the request is handled first, so
a click-to-call really is placed and only the answer is lost: the "call may
have been placed" case. Under uvicorn the socket is closed through the
:class:`ConnectionLink` the sandbox's server puts in each request's scope;
in process (``httpx.ASGITransport``) there is no socket, so the app raises
:class:`ConnectionDropped`, an ``httpx.RemoteProtocolError``, which is what a
client would see over a real connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pbxdesk.sandbox.errors import error_body

CONNECTION_KEY = "pbxdesk.sandbox.connection"
NON_JSON_PAGE = (b"<!DOCTYPE html><html><head><title>Service unavailable</title></head>"
                 b"<body><h1>We'll be back soon</h1><p>The portal is down for maintenance."
                 b"</p></body></html>")


class FaultKind(StrEnum):
    LATENCY = "latency"
    ERROR_RATE = "error_rate"
    STATUS = "status"
    TRUNCATE = "truncate"
    NON_JSON = "non_json"
    DROP = "drop"


_PERSISTENT = {FaultKind.LATENCY, FaultKind.ERROR_RATE}
_DEFAULT_STATUS = {FaultKind.ERROR_RATE: 500, FaultKind.STATUS: 503, FaultKind.NON_JSON: 200}


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One misbehaviour. Leave ``count``/``status``/``after_processing`` as None for the
    kind's default: latency and error rate last until cleared, the others hit once;
    5xx faults answer 503 (error rate: 500), non-JSON answers 200; drops and truncations
    happen after the request was handled, the others instead of handling it."""

    kind: FaultKind
    count: int | None = None
    status: int | None = None
    seconds: float = 0.0
    """Added latency (``latency`` only)."""
    rate: float = 1.0
    """Share of requests that fail (``error_rate`` only)."""
    endpoint: str | None = None
    """Only requests to this endpoint (e.g. ``call-to-number``); None for all."""
    after_processing: bool | None = None

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 1:
            raise ValueError("count must be 1 or more (or None)")
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status code, not {self.status}")
        if not 0 <= self.seconds <= 600:
            raise ValueError("seconds must be from 0 to 600")
        if not 0 <= self.rate <= 1:
            raise ValueError("rate must be from 0 to 1")

    def resolved(self) -> Fault:
        """This fault with every default filled in."""
        after = self.after_processing
        if after is None:
            after = self.kind in {FaultKind.DROP, FaultKind.TRUNCATE}
        return dataclasses.replace(
            self, count=self.count if self.count is not None or self.kind in _PERSISTENT else 1,
            status=self.status or _DEFAULT_STATUS.get(self.kind),
            after_processing=True if self.kind is FaultKind.TRUNCATE else after)

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Plan:
    """What the faults do to one request."""

    latency: float = 0.0
    disruption: Fault | None = None


class FaultBook:
    """The faults in force; each request takes a :class:`Plan` from it."""

    def __init__(self, seed: int) -> None:
        self._lock = threading.Lock()
        # Each fault with the number of requests it still hits (None: until cleared).
        self._entries: list[tuple[Fault, list[int | None]]] = []
        self._rng = random.Random(seed)

    def add(self, fault: Fault) -> Fault:
        resolved = fault.resolved()
        with self._lock:
            self._entries.append((resolved, [resolved.count]))
        return resolved

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def active(self) -> list[Fault]:
        """The faults in force, each with the count it has left."""
        with self._lock:
            return [dataclasses.replace(fault, count=left[0]) for fault, left in self._entries]

    def plan(self, endpoint: str) -> Plan:
        """Decide (and use up) the faults for one request to ``endpoint``."""
        latency = 0.0
        disruption: Fault | None = None
        with self._lock:
            for fault, left in self._entries:
                if fault.endpoint not in (None, endpoint):
                    continue
                if fault.kind is FaultKind.LATENCY:
                    latency += fault.seconds
                elif fault.kind is FaultKind.ERROR_RATE:
                    if disruption is not None or self._rng.random() >= fault.rate:
                        continue
                    disruption = dataclasses.replace(fault, kind=FaultKind.STATUS)
                elif disruption is None:
                    disruption = fault
                else:
                    continue
                if left[0] is not None:
                    left[0] -= 1
            self._entries = [(f, left) for f, left in self._entries
                             if left[0] is None or left[0] > 0]
        return Plan(latency, disruption)


class ConnectionLink:
    """The socket under one request, so a fault can close it (set up by the server)."""

    def __init__(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.lost = asyncio.Event()

    async def drop(self) -> None:
        self.transport.close()
        # Return only once uvicorn knows: it then neither logs nor answers a 500.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.lost.wait(), timeout=2.0)


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised in process, where there is no socket to close."""


class FaultMiddleware:
    """Applies the faults in force to each API request.

    ``admit`` is told each request's endpoint name (so it can be counted) and
    returns the :class:`Plan` for it.
    """

    def __init__(self, app: ASGIApp, admit: Callable[[str], Plan]) -> None:
        self._app = app
        self._admit = admit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        endpoint = str(scope["path"]).rstrip("/").rsplit("/", 1)[-1]
        plan = self._admit(endpoint)
        if plan.latency:
            await asyncio.sleep(plan.latency)
        fault = plan.disruption
        if fault is None:
            await self._app(scope, receive, send)
            return
        captured: list[Message] = []
        if fault.after_processing:
            async def capture(message: Message) -> None:
                captured.append(message)
            await self._app(scope, receive, capture)
        if fault.kind is FaultKind.DROP:
            if not fault.after_processing:
                await _read_body(receive)
            await _drop(scope, f"dropped the connection ({endpoint})")
        elif fault.kind is FaultKind.TRUNCATE:
            await _send_truncated(scope, send, captured)
        elif fault.kind is FaultKind.NON_JSON:
            await _send(send, fault.status or 200, "text/html; charset=utf-8", NON_JSON_PAGE)
        else:
            status = fault.status or 503
            await _send(send, status, "application/json",
                        error_body(status, "The service is temporarily unavailable"))


async def _read_body(receive: Receive) -> None:
    # Closing a socket that still holds unread request bytes makes the kernel
    # send a reset, which the client sees as "connection reset" rather than the
    # "disconnected without a response" of a service that read and hung up.
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _send(send: Send, status: int, content_type: str, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _send_truncated(scope: Scope, send: Send, captured: list[Message]) -> None:
    """Headers promising the whole body, half of it, then a closed connection."""
    start = next((m for m in captured if m["type"] == "http.response.start"), None)
    body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
    if start is None:
        await _drop(scope, "closed the connection before answering")
        return
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
    await _drop(scope, "peer closed connection without sending complete message body")


async def _drop(scope: Scope, what: str) -> None:
    link = scope.get("state", {}).get(CONNECTION_KEY)
    if isinstance(link, ConnectionLink):
        await link.drop()
        return
    raise ConnectionDropped(f"The sandbox {what}")
