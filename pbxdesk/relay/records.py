"""Callback records as the relay takes and gives them: strict reading, identity, the wire form.

A desk posts what its agent did on the callbacks worklist (``POST
/callbacks/records``, :mod:`pbxdesk.relay.callbackapi`) as
``{"records": [{"number": …, "field": …, "value": …, "at_us": …}, …]}``.
Everything about a body is checked before anything is stored, and one bad
record refuses the whole body:

- at most :data:`MAX_RECORDS` records, each an object with exactly those four
  keys (a ``desk`` or ``agent`` in the body is refused: who made a record is
  the authenticated desk, never what the body says);
- ``number``: ``""`` (withheld callers) or up to 32 characters of ``+0-9``;
- ``field`` one of ``state``, ``snooze``, ``note``, ``claim``, and a value
  that field can hold (``state``: ``done`` / ``not_needed`` / ``open``;
  ``snooze``: ``""`` or microseconds since the epoch; ``claim``:
  ``calling`` or ``""``; ``note``: text of at most :data:`MAX_VALUE_CHARS`
  characters without control characters other than tab and new line);
- ``at_us``: an integer, not older than the records' retention and at most
  :data:`MAX_FUTURE_US` ahead of the relay's clock (a record from the future
  would win every merge until its time).

The relay then signs each record with the posting desk's id and extension
(:class:`SharedRecord`), and gives it an id (:attr:`SharedRecord.id`, a
digest of the account, the desk, the number, the field and the time) that
stores it once however often it is posted. No I/O here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pbxdesk.relay.events import iso_ms

RECORD_EVENT: Final = "callback_record"
"""The SSE event name (``event:``) of a record on ``GET /events``."""
MAX_RECORDS: Final = 200
MAX_VALUE_CHARS: Final = 2048
MAX_FUTURE_US: Final = 3600 * 1_000_000
DEFAULT_RETENTION_SECONDS: Final = 90 * 86_400.0
"""Records are kept 90 days: the longest callbacks horizon a desk can choose."""
FIELDS: Final = frozenset({"state", "snooze", "note", "claim"})
STATES: Final = frozenset({"done", "not_needed", "open"})
CLAIMS: Final = frozenset({"calling", ""})
_KEYS: Final = frozenset({"number", "field", "value", "at_us"})
_NUMBER: Final = re.compile(r"(?:\+?[0-9]{1,31})?")
# Control characters other than tab and new line, and lone surrogates (not text at all).
NOT_TEXT: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
_LARGEST_US: Final = 2**53  # JSON readers elsewhere may hold integers as doubles


class UnreadableRecordsError(ValueError):
    """A body that is not a list of valid records (the message says why, quoting no values)."""


@dataclass(frozen=True, slots=True)
class SharedRecord:
    """One record, signed by the desk that posted it."""

    number: str
    field: str
    value: str
    at_us: int
    desk: str
    extension: str

    def id(self, account: str) -> str:
        """The record's identity: the same record posted twice is stored once."""
        canonical = json.dumps([account, self.desk, self.number, self.field, self.at_us],
                               separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def data_json(self, account: str, received_at: datetime) -> str:
        """The record as one JSON line (the SSE ``data:`` and the catch-up's items)."""
        return json.dumps({"type": RECORD_EVENT, "id": self.id(account), "number": self.number,
                           "field": self.field, "value": self.value, "at_us": self.at_us,
                           "desk": self.desk, "extension": self.extension,
                           "received_at": iso_ms(received_at)},
                          separators=(",", ":"), ensure_ascii=True)


def read_records(body: bytes, *, desk: str, extension: str, now_us: int,
                 oldest_us: int) -> list[SharedRecord]:
    """The records of a posted body, signed by ``desk``; refuses the body whole.

    Raises:
        UnreadableRecordsError: the body is not JSON, not ``{"records": [...]}``,
            holds no records or too many, or any record is not valid.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise UnreadableRecordsError("the body is not JSON") from None
    if not isinstance(document, dict) or set(document) != {"records"}:
        raise UnreadableRecordsError('the body must be {"records": [...]}')
    items = document["records"]
    if not isinstance(items, list) or not items:
        raise UnreadableRecordsError("records must be a non-empty list")
    if len(items) > MAX_RECORDS:
        raise UnreadableRecordsError(f"more than {MAX_RECORDS} records in one body")
    return [_record(item, index, desk, extension, now_us, oldest_us)
            for index, item in enumerate(items)]


def _record(item: Any, index: int, desk: str, extension: str, now_us: int,
            oldest_us: int) -> SharedRecord:
    where = f"record {index + 1}"
    if not isinstance(item, Mapping):
        raise UnreadableRecordsError(f"{where} is not an object")
    keys = set(item)
    if keys != _KEYS:
        extra = sorted(str(key)[:20] for key in keys - _KEYS)
        missing = sorted(_KEYS - keys)
        raise UnreadableRecordsError(
            f"{where}: " + "; ".join(part for part in (
                f"keys not allowed: {', '.join(extra)}" if extra else "",
                f"missing: {', '.join(missing)}" if missing else "") if part))
    number, field, value, at_us = item["number"], item["field"], item["value"], item["at_us"]
    if not isinstance(number, str) or not number_fits(number):
        raise UnreadableRecordsError(f"{where}: number must be up to 32 characters of +0-9")
    if not isinstance(field, str) or field not in FIELDS:
        raise UnreadableRecordsError(f"{where}: field must be one of {', '.join(sorted(FIELDS))}")
    if not isinstance(value, str) or not value_fits(field, value):
        raise UnreadableRecordsError(f"{where}: not a value a {field} can hold")
    if isinstance(at_us, bool) or not isinstance(at_us, int):
        raise UnreadableRecordsError(f"{where}: at_us must be an integer")
    if not oldest_us <= at_us <= now_us + MAX_FUTURE_US:
        raise UnreadableRecordsError(f"{where}: at_us is too far from the relay's clock")
    return SharedRecord(number, field, value, at_us, desk, extension)


def number_fits(number: str) -> bool:
    """``""`` (withheld callers) or up to 32 characters of ``+0-9``, the ``+`` first."""
    return _NUMBER.fullmatch(number) is not None


def value_fits(field: str, value: str) -> bool:
    """Whether ``value`` is one a record of ``field`` may carry."""
    if field == "state":
        return value in STATES
    if field == "claim":
        return value in CLAIMS
    if field == "snooze":
        return value == "" or (value.isascii() and value.isdigit() and len(value) <= 16
                               and int(value) < _LARGEST_US)
    return len(value) <= MAX_VALUE_CHARS and NOT_TEXT.search(value) is None
