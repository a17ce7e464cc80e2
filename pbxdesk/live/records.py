"""The desk's side of the team's callbacks on pbxdesk-relay: records out, records in.

::

    posted = await post_records(client, relay_url, token, body)      # POST /callbacks/records
    page = await fetch_records(client, relay_url, token, after=cursor)  # GET, one page
    for body, batch in bodies(records): ...     # what fits in one post

A record goes out as ``{"number", "field", "value", "at_us"}`` (who made it
is the relay's to say: the desk the token belongs to) and comes back, from
:func:`fetch_records` or as a ``callback_record`` event
(:func:`team_record` reads its data), as a :class:`SharedRecord` signed with
the posting desk's relay id and extension. The rules a record must meet are
the relay's own (:mod:`pbxdesk.relay.records`): :func:`sendable` checks
them before anything is sent, so one bad record never holds the others up.
No Qt here.

Error tree (besides :class:`~pbxdesk.live.client.RelayAuthError` for a
refused token)::

    RecordsRefusedError     the relay will never take these records (400 / 413)
    RecordsLaterError       not now (network, 429, 5xx): try again ``after`` seconds
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeVar

import httpx

from pbxdesk import __version__
from pbxdesk.live.client import RelayAuthError, events_url
from pbxdesk.relay.records import (
    DEFAULT_RETENTION_SECONDS,
    FIELDS,
    MAX_FUTURE_US,
    MAX_RECORDS,
    SharedRecord,
    number_fits,
    value_fits,
)

RECORDS_PATH: Final = "/callbacks/records"
MAX_POST_BYTES: Final = 60 * 1024
"""A post stays under the relay's 64 KiB limit for bodies."""
TIMEOUT: Final = httpx.Timeout(20.0, connect=10.0)
_OLDEST_US: Final = int(DEFAULT_RETENTION_SECONDS * 1_000_000) - 3600 * 1_000_000


class RecordsRefusedError(Exception):
    """The relay refused the records for good (it says why); sending them again is useless."""


class RecordsLaterError(Exception):
    """The relay cannot take or give records now; try again ``after`` seconds."""

    def __init__(self, problem: str, after: float = 0.0) -> None:
        super().__init__(problem)
        self.after = after


class OutgoingRecord(Protocol):
    """What is sent of a record (a :class:`~pbxdesk.store.callbackrules.CallbackRecord`)."""

    @property
    def number(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def at_us(self) -> int: ...


R = TypeVar("R", bound=OutgoingRecord)


@dataclass(frozen=True, slots=True)
class Posted:
    stored: int
    duplicates: int
    desk: str
    """This desk's id on the relay."""


@dataclass(frozen=True, slots=True)
class Page:
    """One answer of the catch-up."""

    desk: str
    """This desk's id on the relay."""
    records: tuple[SharedRecord, ...]
    next: str
    """The cursor to ask after next time (kept with the records it ends)."""
    more: bool
    unreadable: int = 0
    """Records left out because they were not valid (the relay never sends one)."""


def records_url(relay_url: str) -> str:
    """``RELAY/callbacks/records``; ValueError for an address the stream would refuse too."""
    return events_url(relay_url).removesuffix("/events") + RECORDS_PATH


def sendable(record: OutgoingRecord, now_us: int) -> bool:
    """Whether the relay would take ``record`` (its rules, a little stricter on time)."""
    return (number_fits(record.number)
            and record.field in FIELDS and value_fits(record.field, record.value)
            and now_us - _OLDEST_US <= record.at_us <= now_us + MAX_FUTURE_US // 2)


def bodies(records: Sequence[R]) -> Iterator[tuple[bytes, list[R]]]:
    """The records as posts: each at most :data:`MAX_RECORDS` records and
    :data:`MAX_POST_BYTES` bytes (a record of the largest kind fits alone)."""
    batch: list[R] = []
    parts: list[bytes] = []
    size = 0
    for record in records:
        part = json.dumps({"number": record.number, "field": record.field,
                           "value": record.value, "at_us": record.at_us},
                          separators=(",", ":"), ensure_ascii=True).encode()
        if batch and (len(batch) >= MAX_RECORDS or size + len(part) + 16 > MAX_POST_BYTES):
            yield _body(parts), batch
            batch, parts, size = [], [], 0
        batch.append(record)
        parts.append(part)
        size += len(part) + 1
    if batch:
        yield _body(parts), batch


def _body(parts: list[bytes]) -> bytes:
    return b'{"records":[' + b",".join(parts) + b"]}"


def team_record(fields: Mapping[str, Any]) -> SharedRecord | None:
    """A record from the relay (an event's data or a catch-up item), None when not valid."""
    number, field, value = fields.get("number"), fields.get("field"), fields.get("value")
    at_us, desk, extension = fields.get("at_us"), fields.get("desk"), fields.get("extension")
    if not (isinstance(number, str) and isinstance(field, str) and isinstance(value, str)
            and isinstance(at_us, int) and not isinstance(at_us, bool)
            and isinstance(desk, str) and 0 < len(desk) <= 64
            and isinstance(extension, str) and len(extension) <= 32):
        return None
    if not number_fits(number) or field not in FIELDS or not value_fits(field, value):
        return None
    return SharedRecord(number, field, value, at_us, desk, extension)


async def post_records(client: httpx.AsyncClient, relay_url: str, token: str,
                       body: bytes) -> Posted:
    """Post one body of records (from :func:`bodies`).

    Raises:
        RelayAuthError: the token was refused.
        RecordsRefusedError: the relay will not take this body (400, 413).
        RecordsLaterError: anything that may pass (network, 429, 5xx).
    """
    answer = await _request(client, "POST", records_url(relay_url), token, content=body,
                            headers={"Content-Type": "application/json"})
    document = _document(answer)
    try:
        return Posted(int(document["stored"]), int(document["duplicates"]),
                      str(document["desk"]))
    except (KeyError, TypeError, ValueError):
        raise RecordsLaterError("the relay's answer is not one of a pbxdesk relay") from None


async def fetch_records(client: httpx.AsyncClient, relay_url: str, token: str,
                        after: str | None) -> Page:
    """One page of the team's records after the cursor ``after`` (None: from the oldest).

    Raises: as :func:`post_records` (RecordsRefusedError does not happen).
    """
    params = {"after": after} if after else {}
    answer = await _request(client, "GET", records_url(relay_url), token, params=params)
    document = _document(answer)
    items, following, desk = document.get("records"), document.get("next"), \
        document.get("desk")
    if not (isinstance(items, list) and isinstance(following, str)
            and isinstance(desk, str) and desk):
        raise RecordsLaterError("the relay's answer is not one of a pbxdesk relay")
    records = [team_record(item) if isinstance(item, dict) else None for item in items]
    kept = tuple(record for record in records if record is not None)
    return Page(desk, kept, following, document.get("more") is True,
                len(records) - len(kept))


async def _request(client: httpx.AsyncClient, method: str, url: str, token: str,
                   **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token.strip()}", "Accept": "application/json",
               "Cache-Control": "no-store", "User-Agent": f"pbxdesk/{__version__}",
               **kwargs.pop("headers", {})}
    try:
        answer = await client.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
    except httpx.TimeoutException:
        raise RecordsLaterError("the relay did not answer in time") from None
    except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: the client was closed
        raise RecordsLaterError(f"cannot reach the relay ({type(exc).__name__})") from None
    status = answer.status_code
    if status in (401, 403):
        raise RelayAuthError("The relay refused this desk's token: it was revoked or "
                             "mistyped. Ask whoever runs the relay for a new one.")
    if status in (400, 413):
        raise RecordsRefusedError(_reason(answer) or f"HTTP {status}")
    if status == 429:
        raise RecordsLaterError("the relay asks to wait", _retry_after(answer))
    if status != 200:
        raise RecordsLaterError(f"the relay answered HTTP {status}"
                                + (" (an older relay, without shared callbacks?)"
                                   if status in (404, 405) else ""))
    return answer


def _document(answer: httpx.Response) -> dict[str, Any]:
    try:
        document = answer.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise RecordsLaterError("the relay's answer is not JSON")
    return document


def _reason(answer: httpx.Response) -> str:
    try:
        document = answer.json()
    except ValueError:
        return ""
    reason = document.get("error") if isinstance(document, dict) else None
    return reason[:200] if isinstance(reason, str) else ""


def _retry_after(answer: httpx.Response) -> float:
    try:
        seconds = float(answer.headers.get("retry-after", "0"))
    except ValueError:
        return 0.0
    return min(max(seconds, 0.0), 3600.0) if seconds == seconds else 0.0
