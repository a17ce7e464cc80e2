"""Reading the API's answers: the JSON envelope and the call rows inside it.

The parser is tolerant where the service is known to wobble (numbers as
strings, ``"null"`` for null, timestamps with or without milliseconds, ``Z`` or
an offset, unknown ``type`` values, unknown fields) and strict only where an
answer cannot be the API's at all: a body that is not JSON, or JSON without the
``code`` / ``status`` / ``message`` / ``data`` envelope, is a
:class:`~pbxdesk.api.errors.ProtocolError`. A row that cannot be understood
(not an object, or with neither an id nor a start time) is counted in
:attr:`Page.rejected <pbxdesk.api.models.Page.rejected>` and logged; the rest of
the page is kept. A known field whose value cannot be read is set to ``None``
and its raw value kept in ``extra`` under its own name, so nothing is lost.
No I/O here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from pbxdesk.api.errors import ProtocolError
from pbxdesk.api.jsonslices import decode_envelope_in_slices
from pbxdesk.api.models import AnyCall, CallKind, GroupCall, HistoryQuery, Page, UserCall
from pbxdesk.logs import api_log, redact
from pbxdesk.phone import normalize_api_number

ENVELOPE_KEYS = frozenset({"code", "status", "message", "data"})
_NULL_STRINGS = frozenset({"", "null", "none", "undefined", "nil"})
_LONGEST_NULL = max(map(len, _NULL_STRINGS))
_SUCCESS = frozenset({"success", "ok", "true", "succeeded"})
_FAILURE = frozenset({"error", "fail", "failed", "failure", "false"})
# MySQL's "zero date" is how some PHP back ends say "no time".
_ZERO_DATES = ("0000-00-00",)
_MAX_MESSAGE = 500
# From this size a page is decoded row by row (it is big enough to stall the event loop).
_SLICED_BYTES = 64 * 1024


def decode_json(content: bytes) -> Any:
    """Decode a response body; raises ValueError for anything that is not JSON."""
    return json.loads(content)


@dataclass(frozen=True, slots=True)
class Envelope:
    """The API's wrapper around every answer: ``code``, ``status``, ``message``, ``data``."""

    code: int | None
    status: Any
    message: Any
    data: Any

    @property
    def ok(self) -> bool:
        """False when the envelope says the request failed (even inside an HTTP 200)."""
        if isinstance(self.status, bool):
            return self.status
        text = str(self.status).strip().lower() if self.status is not None else ""
        if text in _SUCCESS:
            return True
        if text in _FAILURE:
            return False
        return self.code is None or self.code < 400

    @property
    def message_text(self) -> str | None:
        return message_text(self.message)


def read_envelope(content: bytes, where: str) -> Envelope:
    """Decode ``content`` and check it is the API's envelope.

    Args:
        where: The host, for the error message.

    Raises:
        ProtocolError: not JSON, or JSON that is not an object with at least one
            of ``code``, ``status``, ``message``, ``data``.
    """
    try:
        document = decode_json(content)
    except (ValueError, RecursionError):
        raise ProtocolError(
            f"The server at {where} did not answer with the PBX API's JSON "
            f"({_describe_body(content)}). Check the PBX address in Settings.") from None
    return envelope_of(document, where)


def envelope_of(document: Any, where: str) -> Envelope:
    """The :class:`Envelope` of an already decoded body (see :func:`read_envelope`)."""
    if not isinstance(document, dict) or not ENVELOPE_KEYS & document.keys():
        shape = "a JSON object" if isinstance(document, dict) else f"JSON {_json_type(document)}"
        raise ProtocolError(
            f"The server at {where} answered with {shape} that is not the PBX API's "
            "(no code/status/message/data). Check the PBX address in Settings.")
    return Envelope(code=_code(document.get("code")), status=document.get("status"),
                    message=document.get("message"), data=document.get("data"))


def message_text(message: Any, depth: int = 0) -> str | None:
    """A readable one-line form of ``message`` (seen as a string and as an object)."""
    if message is None or depth > 3:
        return None
    if isinstance(message, str):
        text = " ".join(message.split())
    elif isinstance(message, Mapping):
        parts = []
        for key, value in list(message.items())[:10]:
            inner = message_text(value, depth + 1)
            if inner:
                parts.append(f"{key}: {inner}")
        text = "; ".join(parts)
    elif isinstance(message, list | tuple):
        text = ", ".join(filter(None, (message_text(item, depth + 1) for item in message[:10])))
    else:
        text = str(message)
    if not text:
        return None
    text = redact(text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def page_rows(data: Any, where: str) -> list[Any]:
    """The list of rows in ``data``: missing or null is an empty page.

    A single object that looks like a row (``unique_call_id`` queries may answer
    so) is taken as a page of one.
    """
    if data is None:
        return []
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and _ROW_FIELDS & data.keys():
        return [data]
    raise ProtocolError(
        f"The server at {where} answered with {_json_type(data)} where the PBX API sends a "
        "list of calls. Check the PBX address and API version in Settings.")


def parse_page(content: bytes, kind: CallKind, query: HistoryQuery, *, where: str,
               region: str | None = None) -> tuple[Page[AnyCall], Envelope]:
    """Decode a history answer into a :class:`Page` (and its envelope).

    Raises:
        ProtocolError: see :func:`read_envelope` and :func:`page_rows`.
    """
    if len(content) >= _SLICED_BYTES:
        return _parse_page_in_slices(content, kind, query, where=where, region=region)
    envelope = read_envelope(content, where)
    raw_rows = page_rows(envelope.data, where) if envelope.ok else []
    rows, rejected = parse_rows(raw_rows, kind, region)
    page: Page[AnyCall] = Page(rows=tuple(rows), query=query, rejected=rejected,
                               message=envelope.message)
    return page, envelope


def _parse_page_in_slices(content: bytes, kind: CallKind, query: HistoryQuery, *, where: str,
                          region: str | None) -> tuple[Page[AnyCall], Envelope]:
    """:func:`parse_page` for a big answer: each row is parsed as soon as it is decoded
    (see :mod:`pbxdesk.api.jsonslices`: the interpreter lock changes hands between rows)."""
    rejected: list[Any] = []

    def each(raw: Any) -> AnyCall | None:
        row = parse_row(raw, kind, region)
        if row is None:
            rejected.append(raw)
        return row

    try:
        document = decode_envelope_in_slices(content, each)
    except (ValueError, RecursionError):
        read_envelope(content, where)  # raises the ProtocolError that says what it was
        raise
    envelope = envelope_of(document, where)
    if not envelope.ok:
        rows: list[AnyCall] = []
        rejected.clear()
    elif isinstance(envelope.data, list):
        rows = [row for row in envelope.data if row is not None]
    else:
        rows, _ = parse_rows(page_rows(envelope.data, where), kind, region)
    if rejected:
        api_log.warning("Left out %d of %d %s rows that cannot be read; the first: %s",
                        len(rejected), len(rows) + len(rejected), kind.endpoint,
                        _preview(rejected[0]))
    page: Page[AnyCall] = Page(rows=tuple(rows), query=query, rejected=len(rejected),
                               message=envelope.message)
    return page, envelope


def filter_users(page: Page[AnyCall], user_numbers: Sequence[str]) -> Page[AnyCall]:
    """Keep only user rows of these extensions (the local half of the user filter).

    The server's user parameter is a guess, so its answer is filtered again here.
    Group rows and an empty ``user_numbers`` pass unchanged.
    """
    wanted = {number.strip() for number in user_numbers if number.strip()}
    if not wanted:
        return page
    kept = tuple(row for row in page.rows
                 if row.kind is not CallKind.USER or row.user_number in wanted)
    if len(kept) == len(page.rows):
        return page
    return dataclasses.replace(page, rows=kept,
                               filtered=page.filtered + len(page.rows) - len(kept))


def parse_rows(raw_rows: Sequence[Any], kind: CallKind,
               region: str | None = None) -> tuple[list[AnyCall], int]:
    """Parse every row of a page; returns the rows and how many were rejected."""
    rows: list[AnyCall] = []
    rejected: list[Any] = []
    for raw in raw_rows:
        row = parse_row(raw, kind, region)
        if row is None:
            rejected.append(raw)
        else:
            rows.append(row)
    if rejected:
        api_log.warning("Left out %d of %d %s rows that cannot be read; the first: %s",
                        len(rejected), len(raw_rows), kind.endpoint, _preview(rejected[0]))
    return rows, len(rejected)


def parse_row(raw: Any, kind: CallKind, region: str | None = None) -> AnyCall | None:
    """One row as :class:`UserCall` or :class:`GroupCall`, or None if it cannot be read."""
    if not isinstance(raw, Mapping):
        return None
    fields = _FIELDS[kind]
    values = dict(_BLANK[kind])
    extra: dict[str, Any] = {}
    # One pass over the row: this runs for every row of 10,000-row pages.
    for key, value in raw.items():
        spec = fields.get(key)
        if spec is None:
            extra[str(key)] = value  # unknown field: kept
            continue
        if value is None:
            continue
        attribute, coerce = spec
        result = coerce(value)
        if result is _MISSING or (result is not None and values[attribute] is not None):
            extra[key] = value  # unreadable, or a second spelling of a field already read
        elif result is not None:
            values[attribute] = result
    if values["unique_call_id"] is None and values["call_start_at"] is None:
        return None
    values["caller_e164"] = e164(values["caller_id"], region)
    values["dest_e164"] = e164(values["dest_number"], region)
    extras = MappingProxyType(extra) if extra else _NO_EXTRA
    if kind is CallKind.USER:
        return UserCall(extra=extras, **values)
    return GroupCall(call_kind=kind, extra=extras, **values)


@functools.lru_cache(maxsize=8192)
def e164(raw: str | None, region: str | None) -> str | None:
    """:func:`pbxdesk.phone.normalize_api_number`, cached: histories repeat numbers a lot."""
    if raw is None or len(raw) > 32:
        return None
    try:
        return normalize_api_number(raw, region)
    except Exception:  # a third-party parser must not cost us the row
        return None


def read_timestamp(value: Any) -> datetime | None:
    """A timestamp in any form a row's time may take, as UTC; None when unreadable."""
    moment = _timestamp(value)
    return moment if isinstance(moment, datetime) else None


_MISSING = object()
_NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


def _text(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if len(text) > _LONGEST_NULL:
            return text
        return None if text.lower() in _NULL_STRINGS else text
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, int):
        return str(value) if value.bit_length() <= 128 else _MISSING
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    return _MISSING


def _seconds(value: Any) -> Any:
    if isinstance(value, bool):
        return _MISSING
    if isinstance(value, int):
        return value if value >= 0 else _MISSING
    if isinstance(value, float):
        return round(value) if math.isfinite(value) and value >= 0 else _MISSING
    if not isinstance(value, str):
        return _MISSING
    text = value.strip()
    if text.lower() in _NULL_STRINGS:
        return None
    if ":" in text:  # "0:01:23" / "01:23"
        parts = text.split(":")
        if len(text) > 32 or len(parts) > 3 or not all(_is_digits(part) for part in parts):
            return _MISSING
        total = 0
        for part in parts:
            total = total * 60 + int(part)
        return total
    try:
        number = float(text) if len(text) <= 32 else math.nan
    except ValueError:
        return _MISSING
    return round(number) if math.isfinite(number) and number >= 0 else _MISSING


def _timestamp(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in _NULL_STRINGS or text.startswith(_ZERO_DATES):
            return None
        try:
            moment = datetime.fromisoformat(text) if len(text) <= 40 else None
        except ValueError:
            moment = None
        if moment is None:
            return _MISSING
        if moment.tzinfo is None:  # the API documents UTC
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _MISSING
    try:
        seconds = float(value)
        if seconds > 1e11:  # epoch milliseconds
            seconds /= 1000.0
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return _MISSING


def _code(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _is_digits(value.strip()) and len(value.strip()) <= 4:
        return int(value.strip())
    return None


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), "a value")


def _describe_body(content: bytes) -> str:
    if not content.strip():
        return "an empty body"
    head = content.lstrip()[:15].lower()
    if head.startswith((b"<!doctype", b"<html")):
        return "a web page"
    if head[:1] in (b"{", b"["):
        return "JSON that is cut off or damaged"
    return f"{len(content)} bytes of something else"


def _preview(value: Any, limit: int = 200) -> str:
    try:
        text = repr(value)
    except Exception:  # a preview for a log line must never raise
        text = f"<{type(value).__name__}>"
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_Field = tuple[str, Callable[[Any], Any]]
_COMMON_FIELDS: dict[str, _Field] = {
    "unique_call_id": ("unique_call_id", _text), "caller_name": ("caller_name", _text),
    "dest_number": ("dest_number", _text), "user_name": ("user_name", _text),
    "user_number": ("user_number", _text), "call_start_at": ("call_start_at", _timestamp),
    "connected_at": ("connected_at", _timestamp), "call_duration": ("call_duration", _seconds),
    "conversation_duration": ("conversation_duration", _seconds),
    # User rows say caller_id, group rows callerid; either is read in both.
    "caller_id": ("caller_id", _text), "callerid": ("caller_id", _text),
}
_FIELDS: dict[CallKind, dict[str, _Field]] = {
    CallKind.USER: {**_COMMON_FIELDS, "type": ("type", _text)},
    CallKind.QUEUE: {**_COMMON_FIELDS, "queue_name": ("group", _text),
                     "status": ("status", _text)},
    CallKind.RING_GROUP: {**_COMMON_FIELDS, "ring_group_name": ("group", _text),
                          "ringgroup_name": ("group", _text), "status": ("status", _text)},
}
_BLANK: dict[CallKind, dict[str, Any]] = {
    kind: dict.fromkeys(attribute for attribute, _ in fields.values())
    for kind, fields in _FIELDS.items()}
_ROW_FIELDS = frozenset(name for fields in _FIELDS.values() for name in fields)
