"""The async client for the PBX's integration API: :class:`PbxClient`.

One :class:`httpx.AsyncClient` per account, with the key in the ``token`` header
and certificates checked against the operating system's trust store. Every
request first takes from the :class:`~pbxdesk.api.budget.RequestBudget`, is
logged in one line (method, endpoint, status, time, rows; never the key), and
fails only with a :class:`~pbxdesk.api.errors.PbxError`. GETs are retried per
the :class:`~pbxdesk.api.retry.RetryPolicy`; the click-to-call POST never is.

Usage::

    async with PbxClient(ClientSettings(base_url=url, api_key=key)) as client:
        await client.check_connection()
        page = await client.get_user_calls(HistoryQuery(limit=100))
        async for page in client.iter_history(CallKind.QUEUE, start, end):
            ...
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from types import MappingProxyType, TracebackType
from typing import Any, Self, TypeVar, cast

import httpx
import truststore

from pbxdesk import __version__
from pbxdesk.api.budget import Clock, RequestBudget
from pbxdesk.api.dial import call_fields
from pbxdesk.api.errors import InvalidInputError, PbxError, ProtocolError
from pbxdesk.api.history import HistoryScan
from pbxdesk.api.models import (
    AnyCall,
    CallKind,
    CallRequestResult,
    GroupCall,
    HistoryQuery,
    Page,
    UserCall,
)
from pbxdesk.api.parse import Envelope, decode_json, envelope_of, filter_users, parse_page
from pbxdesk.api.responses import (
    error_for_envelope,
    error_for_exception,
    error_for_status,
    post_error_for_status,
    server_message,
)
from pbxdesk.api.retry import NO_RETRY, RetryPolicy, parse_retry_after
from pbxdesk.api.scanmodel import ServerTraits
from pbxdesk.api.settings import ClientSettings
from pbxdesk.logs import api_log, register_secret

__all__ = ["ClientSettings", "PbxClient"]

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")
# Decoding and parsing a big page takes tens of milliseconds: off the event loop
# (the Qt UI thread under qasync) above this size.
_THREAD_PARSE_BYTES = 256 * 1024
_CALL_ENDPOINT = "call-to-number"


class PbxClient:
    """Talks to one PBX account. Use as ``async with`` or call :meth:`aclose`.

    Args:
        settings: Where and how to connect; checked at once
            (:class:`~pbxdesk.api.errors.ConfigurationError`).
        transport: An httpx transport to use instead of the network (tests, the
            in-process sandbox).
        budget: The request budget to draw on; share one per account and persist it
            with :meth:`RequestBudget.snapshot`. Default: 100 per 15 minutes.
        retry: Retry bounds for GETs. Default: :class:`RetryPolicy()`.
        clock: Wall-clock time in epoch seconds (the default budget, ``Retry-After`` dates).
        sleep: Awaited between retries (tests pass a fake).
    """

    def __init__(self, settings: ClientSettings, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 budget: RequestBudget | None = None, retry: RetryPolicy | None = None,
                 clock: Clock = time.time, sleep: Sleep = asyncio.sleep) -> None:
        settings.validate()
        register_secret(settings.api_key)
        self._settings = settings
        self._budget = budget if budget is not None else RequestBudget(clock=clock)
        self._retry = retry if retry is not None else RetryPolicy()
        self._traits = ServerTraits()
        self._clock = clock
        self._sleep = sleep
        self._where = settings.host
        self._http = httpx.AsyncClient(
            base_url=settings.api_root + "/",
            headers={"token": settings.api_key, "Accept": "application/json",
                     "User-Agent": f"pbxdesk/{__version__}"},
            timeout=httpx.Timeout(settings.timeout, connect=min(settings.timeout, 15.0)),
            transport=transport,
            verify=truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
            follow_redirects=False,  # a redirect would resend the token to another host
        )

    def __repr__(self) -> str:
        return f"PbxClient({self._settings!r})"

    @property
    def settings(self) -> ClientSettings:
        return self._settings

    @property
    def budget(self) -> RequestBudget:
        return self._budget

    @property
    def is_closed(self) -> bool:
        return self._http.is_closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- history -----------------------------------------------------------------------------

    async def get_calls(self, kind: CallKind, query: HistoryQuery) -> Page[AnyCall]:
        """One page of a history endpoint, retried on transient failures."""
        return await self._fetch_page(kind, query, self._retry)

    async def get_user_calls(self, query: HistoryQuery | None = None) -> Page[UserCall]:
        page = await self.get_calls(CallKind.USER, query or HistoryQuery())
        return cast("Page[UserCall]", page)  # parse_row builds UserCall for every user row

    async def get_queue_calls(self, query: HistoryQuery | None = None) -> Page[GroupCall]:
        page = await self.get_calls(CallKind.QUEUE, query or HistoryQuery())
        return cast("Page[GroupCall]", page)

    async def get_ringgroup_calls(self, query: HistoryQuery | None = None) -> Page[GroupCall]:
        page = await self.get_calls(CallKind.RING_GROUP, query or HistoryQuery())
        return cast("Page[GroupCall]", page)

    async def check_connection(self) -> None:
        """The cheapest confirmed request (``get-user-calls?limit=1``), tried once.

        Raises:
            PbxError: the subclass that says what is wrong (key / allow-list, network...).
        """
        await self._fetch_page(CallKind.USER, HistoryQuery(limit=1), NO_RETRY)

    @property
    def traits(self) -> ServerTraits:
        """What the history scans have learnt about this server (shared by every scan)."""
        return self._traits

    def iter_history(self, kind: CallKind, from_date: date, to_date: date, *,
                     names: Sequence[str] = (), known_names: Iterable[str] = (),
                     since: datetime | None = None, resume: Any = None,
                     page_size: int = HistoryQuery.MAX_LIMIT) -> HistoryScan:
        """Every call from ``from_date`` to ``to_date``, once, in large pages.

        Reaches past the API's offset cap by date windows, both ends of a query and,
        for a crowded day, groups of ``known_names`` (see
        :class:`~pbxdesk.api.history.HistoryScan`); the returned scan is an async
        iterator of pages, carries a :class:`~pbxdesk.api.history.ScanReport`, and
        can be resumed from its ``checkpoint()`` (pass it as ``resume``).
        """
        async def fetch_unfiltered(kind: CallKind, query: HistoryQuery) -> Page[AnyCall]:
            # The scan reasons about every row the server sent, filtered out or not.
            return await self._fetch_page(kind, query, self._retry, local_filter=False)

        selector = kind.names_parameter is not None or self._settings.user_filter_param is not None
        return HistoryScan(fetch_unfiltered, kind, from_date, to_date, names=names,
                           known_names=known_names, selector=selector, traits=self._traits,
                           since=since,
                           page_size=min(max(2, page_size), self._settings.max_limit),
                           max_offset=self._settings.max_offset, resume=resume)

    async def _fetch_page(self, kind: CallKind, query: HistoryQuery, retry: RetryPolicy, *,
                          local_filter: bool = True) -> Page[AnyCall]:
        params = self._history_params(kind, query)

        async def attempt() -> Page[AnyCall]:
            response, elapsed = await self._send("GET", kind.endpoint, params=params)
            try:
                page, envelope = await self._parse_page(response.content, kind, query)
            except PbxError:
                self._log("GET", kind.endpoint, params, response.status_code, elapsed,
                          "an unreadable body")
                raise
            if not envelope.ok:
                self._log("GET", kind.endpoint, params, response.status_code, elapsed,
                          f"an error envelope (code {envelope.code})")
                raise error_for_envelope(envelope, where=self._where, endpoint=kind.endpoint)
            rows = f"{len(page.rows)} rows" + (f", {page.rejected} rejected" if page.rejected
                                               else "")
            self._log("GET", kind.endpoint, params, response.status_code, elapsed, rows)
            return filter_users(page, query.names) if local_filter else page

        return await self._with_retries("GET", kind.endpoint, attempt, retry)

    async def _parse_page(self, content: bytes, kind: CallKind,
                          query: HistoryQuery) -> tuple[Page[AnyCall], Envelope]:
        region = self._settings.default_region
        if len(content) < _THREAD_PARSE_BYTES:
            return parse_page(content, kind, query, where=self._where, region=region)
        return await asyncio.to_thread(parse_page, content, kind, query, where=self._where,
                                       region=region)

    def _history_params(self, kind: CallKind, query: HistoryQuery) -> dict[str, str]:
        settings = self._settings
        if not 0 <= query.offset <= settings.max_offset:
            raise InvalidInputError(
                f"Offset {query.offset} is outside 0–{settings.max_offset}, the deepest the API "
                "pages; narrow the dates instead.")
        if not 1 <= query.limit <= settings.max_limit:
            raise InvalidInputError(
                f"Page size {query.limit} is outside 1–{settings.max_limit}, what the API allows.")
        if query.from_date and query.to_date and query.from_date > query.to_date:
            raise InvalidInputError("The start date is after the end date.")
        params = {"sort_by": query.sort.value, "offset": str(query.offset),
                  "limit": str(query.limit)}
        if query.from_date is not None:
            params["from_date"] = query.from_date.isoformat()
        if query.to_date is not None:
            params["to_date"] = query.to_date.isoformat()
        if query.unique_call_id:
            params["unique_call_id"] = query.unique_call_id
        names = _clean_names(query.names)
        selector = kind.names_parameter or settings.user_filter_param
        if names and selector:
            params[selector] = ",".join(names)
        return params

    # -- click-to-call -----------------------------------------------------------------------

    async def call_to_number(self, user_number: str, number_to_call: str,
                             caller_id: str | None = None) -> CallRequestResult:
        """Ask the PBX to ring the agent's phones, then ``number_to_call``. Never retried.

        Raises:
            InvalidInputError: a number that cannot be sent (nothing was sent).
            CallMayHavePlacedError: the request went out but its answer was lost.
            PbxError: any other subclass, as for GETs.
        """
        fields = call_fields(user_number, number_to_call, caller_id,
                             self._settings.default_region)
        if self._settings.post_encoding == "form":
            # (None, value) makes httpx send a plain multipart field without a file name.
            parts = {name: (None, value) for name, value in fields.items()}
            response, elapsed = await self._send("POST", _CALL_ENDPOINT, files=parts)
        else:
            response, elapsed = await self._send("POST", _CALL_ENDPOINT, json=fields)
        self._log("POST", _CALL_ENDPOINT, None, response.status_code, elapsed, None)
        try:
            document = decode_json(response.content)
            envelope = envelope_of(document, self._where)
        except (ValueError, RecursionError, PbxError):
            # The answer to this POST is not documented; a 2xx means it was accepted,
            # and calling it a failure would invite a second call.
            api_log.warning("call-to-number answered %d with a body that is not the API's "
                            "envelope; taking it as accepted", response.status_code)
            return CallRequestResult(response.status_code, None)
        if not envelope.ok:
            raise error_for_envelope(envelope, where=self._where, endpoint=_CALL_ENDPOINT)
        return CallRequestResult(response.status_code, envelope.message_text,
                                 MappingProxyType(document))

    # -- one exchange ------------------------------------------------------------------------

    async def _with_retries(self, method: str, endpoint: str,
                            attempt: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
        retry_number = 0
        waited = 0.0
        while True:
            try:
                return await attempt()
            except PbxError as error:
                retry_number += 1
                # A spent budget would hide the real failure behind a budget error.
                if self._budget.remaining() == 0:
                    raise
                delay = policy.delay_for(error, retry_number, waited)
                if delay is None:
                    raise
                api_log.info("Retrying %s %s in %.1f s (%s)", method, endpoint, delay,
                             type(error).__name__)
                await self._sleep(delay)
                waited += delay

    async def _send(self, method: str, endpoint: str, *, params: Mapping[str, str] | None = None,
                    json: Any = None, files: Any = None) -> tuple[httpx.Response, float]:
        """Send one request and return the 2xx response and its time in ms; else raise."""
        self._budget.take()
        started = time.perf_counter()
        try:
            response = await self._http.request(method, endpoint, params=params, json=json,
                                                files=files)
        except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            elapsed = _ms_since(started)
            self._log(method, endpoint, params, type(exc).__name__, elapsed, None)
            # Not chained: a traceback would print the httpx exception's own text,
            # which is not redacted; the message keeps its (redacted) reason.
            raise error_for_exception(exc, where=self._where, is_post=method == "POST",
                                      timeout=self._settings.timeout) from None
        elapsed = _ms_since(started)
        if response.is_success:
            return response, elapsed
        error = error_for_status(
            response.status_code,
            server_message(response.content, response.headers.get("content-type")),
            where=self._where, endpoint=endpoint,
            retry_after=parse_retry_after(response.headers.get("retry-after"), self._clock()),
            location=response.headers.get("location"))
        self._log(method, endpoint, params, response.status_code, elapsed, None)
        if error is None:  # a 2xx is handled above; keep mypy and the reader sure of it
            error = ProtocolError(f"Unexpected HTTP {response.status_code} from {self._where}.")
        raise post_error_for_status(response.status_code, error) if method == "POST" else error

    def _log(self, method: str, endpoint: str, params: Mapping[str, str] | None,
             outcome: int | str, elapsed: float, detail: str | None) -> None:
        shown = ""
        if params:
            keys = ("from_date", "to_date", "offset", "limit")
            shown = " " + " ".join(f"{key}={params[key]}" for key in keys if key in params)
        api_log.info("%s %s%s -> %s in %.0f ms%s", method, endpoint, shown, outcome, elapsed,
                     f", {detail}" if detail else "")


def _clean_names(names: Sequence[str]) -> tuple[str, ...]:
    return tuple(name.strip() for name in names if isinstance(name, str) and name.strip())


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
