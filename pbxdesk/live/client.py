"""The desk's connection to pbxdesk-relay: ``GET /events`` as typed events, for ever.

::

    stream = RelayStream("https://relay.example.com", token, last_event_id=saved_id,
                         client=http_client, region="AU", on_state=show_status)
    async for event in stream.events():       # reconnects by itself
        handle(event)
        save(event.id)                        # the caller keeps the last id

One long-lived Server-Sent Events request (httpx-sse over the caller's
``httpx.AsyncClient``, so its trust store and proxies apply; the stream uses
its own timeouts: a read timeout longer than two of the relay's 15 s pings, so
a dead connection is noticed within ``read_timeout``). When the connection
drops, the relay restarts or answers 5xx / 429, the stream waits (exponential
backoff with jitter, at least ``Retry-After``) and reconnects with
``Last-Event-ID``: the relay replays what was missed, nothing twice. A
refused token (401/403) is not retried: :class:`RelayAuthError` ends the
iteration, since waiting cannot fix it. ``on_state`` hears every change of
:class:`StreamState` (connecting, live, reconnecting with the reason and the
wait, stopped). No Qt here.

Error tree::

    RelayError               the relay cannot be used (message says what to do)
    └── RelayAuthError       the relay refused the desk token
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import cast
from urllib.parse import urlsplit

import httpx
from httpx_sse import EventSource, SSEError

from pbxdesk import __version__
from pbxdesk.addresses import bare_address
from pbxdesk.api.settings import is_loopback_host
from pbxdesk.live.events import LiveEvent, UnreadableLiveEventError, parse_event

log = logging.getLogger("pbxdesk.live")

MAX_EVENT_CHARS = 1_000_000
"""A message longer than this is not the relay's (its events are at most ~64 KiB)."""


class RelayError(Exception):
    """The relay cannot be used; the message says what to check."""


class RelayAuthError(RelayError):
    """The relay refused the desk token (revoked, or not this relay's)."""


class StreamStatus(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class StreamState:
    status: StreamStatus
    problem: str | None = None
    """Why the last connection ended or failed (RECONNECTING, STOPPED)."""
    retry_in: float | None = None
    """Seconds until the next attempt (RECONNECTING)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts: ``first`` doubling up to ``longest``, each drawn from its upper half.

    The jitter keeps a whole call centre from reconnecting in step after the
    relay restarts.
    """

    first: float = 1.0
    longest: float = 60.0
    healthy_after: float = 30.0
    """A connection that lasted this long starts the waits from ``first`` again."""

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.longest, self.first * 2 ** min(attempt, 30))
        return rng.uniform(ceiling / 2, ceiling)


def events_url(relay_url: str) -> str:
    """``RELAY/events`` for a relay address; ValueError (with what to do) for a bad one."""
    text = bare_address(relay_url)
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
    except ValueError:
        hostname = None
        parts = urlsplit("")
    if parts.scheme not in {"http", "https"} or not hostname:
        raise ValueError("The relay address must be a web address like "
                         "https://relay.example.com.")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("The relay address must not contain a query, a fragment or a "
                         "user name.")
    if parts.scheme == "http" and not is_loopback_host(hostname):
        raise ValueError("The relay address must start with https:// (plain http:// only "
                         "for a relay on this computer): the desk token must not travel "
                         "unencrypted.")
    return text + "/events"


class RelayStream:
    """The event stream of one desk; iterate :meth:`events` once."""

    def __init__(self, relay_url: str, token: str, *, last_event_id: str | None = None,
                 client: httpx.AsyncClient | None = None, region: str | None = None,
                 on_state: Callable[[StreamState], None] | None = None,
                 backoff: Backoff | None = None, read_timeout: float = 45.0,
                 connect_timeout: float = 10.0, rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.url = events_url(relay_url)
        self._token = token.strip()
        self._last_id = last_event_id or None
        self._client = client
        self._region = region
        self._on_state = on_state
        self._backoff = backoff or Backoff()
        self._timeout = httpx.Timeout(connect_timeout, read=read_timeout)
        self._read_timeout = read_timeout
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._state = StreamState(StreamStatus.STOPPED)

    @property
    def last_event_id(self) -> str | None:
        """The id of the last event handed out (where a reconnect resumes)."""
        return self._last_id

    @property
    def state(self) -> StreamState:
        return self._state

    async def events(self) -> AsyncIterator[LiveEvent]:
        """The desk's events, in order, across reconnects, until the caller stops.

        Raises:
            RelayAuthError: the relay refused the token (the state is STOPPED).
        """
        own_client = self._client is None
        client = self._client or httpx.AsyncClient()
        attempt = 0
        try:
            while True:
                self._set(StreamState(StreamStatus.CONNECTING) if attempt == 0 and
                          self._state.status is StreamStatus.STOPPED else self._state)
                started = time.monotonic()
                wait_at_least = 0.0
                try:
                    async for event in self._connect_once(client):
                        yield event
                    problem = "the relay ended the stream"
                except _RetryLaterError as exc:
                    problem, wait_at_least = str(exc), exc.after
                except RelayAuthError as exc:
                    self._set(StreamState(StreamStatus.STOPPED, str(exc)))
                    raise
                except httpx.TimeoutException:
                    problem = f"no word from the relay for {self._read_timeout:g} s"
                except (httpx.HTTPError, SSEError, _EventTooLargeError) as exc:
                    problem = _describe(exc)
                if time.monotonic() - started >= self._backoff.healthy_after:
                    attempt = 0
                delay = max(self._backoff.delay(attempt, self._rng), wait_at_least)
                attempt += 1
                log.info("Relay stream ended (%s); reconnecting in %.1f s", problem, delay)
                self._set(StreamState(StreamStatus.RECONNECTING, problem, delay))
                await self._sleep(delay)
        finally:
            if self._state.status is not StreamStatus.STOPPED:
                self._set(StreamState(StreamStatus.STOPPED))
            if own_client:
                await client.aclose()

    async def _connect_once(self, client: httpx.AsyncClient) -> AsyncIterator[LiveEvent]:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "text/event-stream",
                   "Cache-Control": "no-store", "User-Agent": f"pbxdesk/{__version__}"}
        if self._last_id:
            headers["Last-Event-ID"] = self._last_id
        async with client.stream("GET", self.url, headers=headers,
                                 timeout=self._timeout) as response:
            _check_answer(response)
            limited = _LimitedResponse(response)
            source = EventSource(cast(httpx.Response, limited))
            self._set(StreamState(StreamStatus.LIVE))
            async for message in source.aiter_sse():
                limited.event_ended()
                if not message.data:
                    continue  # a keep-alive (httpx-sse repeats the last id after comments)
                try:
                    event = parse_event(message.id, message.event, message.data, self._region)
                except UnreadableLiveEventError as exc:
                    log.warning("Relay event %s left out: %s", message.id, exc)
                    self._last_id = message.id or self._last_id
                    continue
                self._last_id = message.id or self._last_id
                yield event

    def _set(self, state: StreamState) -> None:
        if state == self._state:
            return
        self._state = state
        if self._on_state is not None:
            self._on_state(state)


async def check_relay(relay_url: str, token: str, client: httpx.AsyncClient | None = None,
                      wait_seconds: float = 10.0) -> None:
    """Connect once and wait for the relay's greeting, for a Test button.

    Raises:
        RelayAuthError: the token was refused.
        RelayError: anything else, with a message for the user.
        ValueError: the address is not usable (see :func:`events_url`).
    """
    url = events_url(relay_url)
    own_client = client is None
    http = client or httpx.AsyncClient()
    headers = {"Authorization": f"Bearer {token.strip()}", "Accept": "text/event-stream",
               "User-Agent": f"pbxdesk/{__version__}"}
    try:
        async with http.stream("GET", url, headers=headers,
                               timeout=httpx.Timeout(wait_seconds)) as response:
            _check_answer(response)
            if not await _greeted(response):
                raise RelayError("The relay closed the connection without a word.")
    except _RetryLaterError as exc:
        raise RelayError(f"The relay cannot take the desk now: {exc}.") from None
    except httpx.TimeoutException:
        raise RelayError(f"The relay did not answer within {wait_seconds:g} s. Check the "
                         "address and that the relay is running (behind a reverse proxy: "
                         "that the proxy does not buffer /events).") from None
    except httpx.HTTPError as exc:
        raise RelayError(f"Cannot reach the relay: {_describe(exc)}.") from None
    finally:
        if own_client:
            await http.aclose()


async def _greeted(response: httpx.Response) -> bool:
    """True once the first bytes arrive (the relay greets every stream at once).

    The read runs in a task of its own that is cancelled afterwards: breaking out of
    ``aiter_bytes`` would leave httpcore's inner generators suspended, to be
    finalised later on another task (a RuntimeError from anyio's cancel scopes).
    """
    greeted = asyncio.Event()

    async def read() -> None:
        async for _chunk in response.aiter_bytes():
            greeted.set()

    reader = asyncio.ensure_future(read())
    waiter = asyncio.ensure_future(greeted.wait())
    try:
        await asyncio.wait({reader, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (reader, waiter):
            task.cancel()
        results = await asyncio.gather(reader, waiter, return_exceptions=True)
    error = results[0]
    if isinstance(error, Exception) and not greeted.is_set():
        raise error
    return greeted.is_set()


class _RetryLaterError(Exception):
    def __init__(self, problem: str, after: float = 0.0) -> None:
        super().__init__(problem)
        self.after = after


class _EventTooLargeError(Exception):
    pass


def _check_answer(response: httpx.Response) -> None:
    status = response.status_code
    if status in (401, 403):
        raise RelayAuthError("The relay refused this desk's token: it was revoked or "
                             "mistyped. Ask whoever runs the relay for a new one.")
    if status == 429:
        raise _RetryLaterError("the relay asks to wait (too many attempts)",
                          _retry_after(response.headers.get("retry-after")))
    if status != 200:
        raise _RetryLaterError(f"the relay answered HTTP {status}"
                          + (" (wrong address?)" if status == 404 else ""))
    content_type = response.headers.get("content-type", "").partition(";")[0].strip()
    if content_type != "text/event-stream":
        raise _RetryLaterError(f"the address does not answer like a pbxdesk relay "
                          f"({content_type or 'no content type'})")


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else 0.0
    except ValueError:
        return 0.0
    return min(max(seconds, 0.0), 3600.0) if seconds == seconds else 0.0


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect to the relay"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "the connection to the relay broke"
    if isinstance(exc, _EventTooLargeError):
        return "the relay sent an event too large to be real"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _LimitedResponse:
    """The parts of a response httpx-sse reads, with a cap on one event's size.

    httpx-sse buffers a line (and an event's data lines) without limit; an
    endpoint that is not really a relay could send one endless line. This
    counts the characters since the last event and gives up past
    :data:`MAX_EVENT_CHARS`.
    """

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._pending = 0

    @property
    def headers(self) -> httpx.Headers:
        return self._response.headers

    def event_ended(self) -> None:
        self._pending = 0

    async def aiter_text(self) -> AsyncIterator[str]:
        async for text in self._response.aiter_text():
            self._pending += len(text)
            if self._pending > MAX_EVENT_CHARS:
                raise _EventTooLargeError
            yield text
