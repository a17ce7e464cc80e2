"""How one call row is laid out in the ``calls`` table, both ways.

The API's fields are stored raw, as sent. Columns that the views sort on are
``NOT NULL`` so that plain indexes cover them and keyset paging needs no NULL
cases: a missing value is stored as ``''`` (text) or ``-1`` (numbers, times) and
its bit is set in ``nulls``, which :func:`decode` uses to give back ``None``.
So ``None`` and ``''`` survive the round trip, and an absent value sorts first
(ascending), as SQL's NULL would. Times are integer microseconds since the Unix
epoch, UTC (naive datetimes are taken as UTC). Kind, direction and outcome are
small integer codes, fixed here for good: they are part of the file format.
Bad values are kept rather than lost: an integer beyond 64 bits is stored as a
BLOB of its digits, a lone surrogate in text (not UTF-8) becomes U+FFFD.

Besides :data:`DATA_COLUMNS` (and ``id``, ``key``, ``user_ref``, ``group_ref``)
``calls`` has ``live INTEGER NOT NULL DEFAULT 0``: 1 for a row stored from a
live relay event (:mod:`pbxdesk.store.live`) that no sync has confirmed yet,
0 for every row the history API delivered. A sync (any
:func:`pbxdesk.store.writer.upsert`) that brings the same key sets it back to
0 and its values win. Readers that count settled history (Insights) may leave
``live = 1`` rows out or mark them; :func:`decode` does not read it. The
partial index ``ix_calls_live`` holds only the ``live = 1`` rows.
No Qt here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from pbxdesk.api.models import (
    AnyCall,
    CallKind,
    Direction,
    GroupCall,
    Outcome,
    UserCall,
    direction_of_type,
    outcome_of_status,
    outcome_of_type,
)

log = logging.getLogger("pbxdesk.store")

KIND_CODES: Final = {CallKind.USER: 0, CallKind.QUEUE: 1, CallKind.RING_GROUP: 2}
DIRECTION_CODES: Final = {Direction.UNKNOWN: 0, Direction.INBOUND: 1, Direction.OUTBOUND: 2,
                          Direction.INTERNAL: 3}
OUTCOME_CODES: Final = {Outcome.UNKNOWN: 0, Outcome.ANSWERED: 1, Outcome.MISSED: 2,
                        Outcome.ABANDONED: 3, Outcome.BUSY: 4, Outcome.FAILED: 5}
KIND_OF_CODE: Final = {code: kind for kind, code in KIND_CODES.items()}

# Stand-ins for a missing value in the NOT NULL sort columns (see the module docstring).
NO_TEXT: Final = ""
NO_NUMBER: Final = -1

# Bit i of ``nulls`` says that field NULLABLE_FIELDS[i] was None. Append only: the
# order is part of the file format.
NULLABLE_FIELDS: Final = (
    "unique_call_id", "type", "status", "group_name", "caller_id", "caller_name",
    "dest_number", "user_name", "user_number", "call_start_at", "connected_at",
    "call_duration", "conversation_duration",
)
_BIT = {name: 1 << i for i, name in enumerate(NULLABLE_FIELDS)}
(_NULL_ID, _NULL_TYPE, _NULL_STATUS, _NULL_GROUP, _NULL_CALLER, _NULL_CALLER_NAME, _NULL_DEST,
 _NULL_USER_NAME, _NULL_USER_NUMBER, _NULL_START, _NULL_CONNECTED, _NULL_DURATION,
 _NULL_TALK) = (_BIT[name] for name in NULLABLE_FIELDS)
_USER_CODE: Final = KIND_CODES[CallKind.USER]

# The stored columns after ``key``, in the order :func:`encode` returns them.
DATA_COLUMNS: Final = (
    "kind", "direction", "outcome", "nulls", "unique_call_id", "type", "status",
    "group_name", "caller_id", "caller_name", "dest_number", "user_name", "user_number",
    "start_us", "connected_us", "call_duration", "conversation_duration",
    "caller_e164", "dest_e164", "extra",
)
# What :func:`decode` reads.
SELECT_COLUMNS: Final = DATA_COLUMNS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INT64_MAX = 2**63 - 1
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def to_micros(moment: datetime) -> int:
    """Microseconds since the epoch, UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def encode(row: AnyCall) -> tuple[Any, ...]:
    """The values of :data:`DATA_COLUMNS` for ``row``.

    Written out long-hand: a first sync encodes every row it stores.
    """
    if isinstance(row, UserCall):
        call_type, status, group = row.type, None, None
        codes = _user_codes(call_type)
    else:
        call_type, status, group = None, row.status, row.group
        codes = _group_codes(row.kind, status)
    nulls = 0
    bit = 1
    texts: list[str] = []
    for value in (row.unique_call_id, call_type, status, group, row.caller_id,
                  row.caller_name, row.dest_number, row.user_name, row.user_number):
        if value is None:
            nulls |= bit
            texts.append(NO_TEXT)
        else:
            texts.append(value if type(value) is str else str(value))
        bit <<= 1
    numbers: list[int | bytes] = []
    for moment in (row.call_start_at, row.connected_at):
        if moment is None:
            nulls |= bit
            numbers.append(NO_NUMBER)
        else:
            numbers.append(_storable_int(to_micros(moment)))
        bit <<= 1
    for seconds in (row.call_duration, row.conversation_duration):
        if seconds is None:
            nulls |= bit
            numbers.append(NO_NUMBER)
        else:
            numbers.append(_storable_int(seconds))
        bit <<= 1
    return (*codes, nulls, *texts, *numbers, row.caller_e164, row.dest_e164,
            _encode_extra(row.extra) if row.extra else None)


# (kind, direction, outcome) codes per raw type or status: a history holds a few
# distinct values, and deriving them from the text costs more than the rest of a row.
_CODES: dict[tuple[int, str | None], tuple[int, int, int]] = {}
_MAX_CODES: Final = 4096


def _user_codes(call_type: str | None) -> tuple[int, int, int]:
    codes = _CODES.get((_USER_CODE, call_type))
    if codes is None:
        codes = (_USER_CODE, DIRECTION_CODES[direction_of_type(call_type)],
                 OUTCOME_CODES[outcome_of_type(call_type)])
        _remember((_USER_CODE, call_type), codes)
    return codes


def _group_codes(kind: CallKind, status: str | None) -> tuple[int, int, int]:
    kind_code = KIND_CODES.get(kind, 0)
    codes = _CODES.get((kind_code, status))
    if codes is None:
        codes = (kind_code, DIRECTION_CODES[Direction.INBOUND],
                 OUTCOME_CODES[outcome_of_status(status)])
        _remember((kind_code, status), codes)
    return codes


def _remember(key: tuple[int, str | None], codes: tuple[int, int, int]) -> None:
    if len(_CODES) >= _MAX_CODES:  # garbage types from a broken API must not grow it
        _CODES.clear()
    _CODES[key] = codes


def decode(values: Sequence[Any]) -> AnyCall:
    """The model row for one result of ``SELECT <SELECT_COLUMNS>``.

    Written out long-hand: it runs for every row of every page and export.
    """
    (kind_code, _direction, _outcome, nulls, call_id, call_type, status, group, caller,
     caller_name, dest, user_name, user_number, start, connected, duration, talk,
     caller_e164, dest_e164, extra) = values
    if nulls & _NULL_START:
        start_at = None
    else:
        start_at = _EPOCH + timedelta(microseconds=start if type(start) is int else _int(start))
    if nulls & _NULL_CONNECTED:
        connected_at = None
    else:
        connected_at = _EPOCH + timedelta(
            microseconds=connected if type(connected) is int else _int(connected))
    if nulls & _NULL_DURATION:
        duration = None
    elif type(duration) is not int:
        duration = _int(duration)
    if nulls & _NULL_TALK:
        talk = None
    elif type(talk) is not int:
        talk = _int(talk)
    common: dict[str, Any] = {
        "unique_call_id": None if nulls & _NULL_ID else call_id,
        "caller_id": None if nulls & _NULL_CALLER else caller,
        "caller_name": None if nulls & _NULL_CALLER_NAME else caller_name,
        "dest_number": None if nulls & _NULL_DEST else dest,
        "user_name": None if nulls & _NULL_USER_NAME else user_name,
        "user_number": None if nulls & _NULL_USER_NUMBER else user_number,
        "call_start_at": start_at, "connected_at": connected_at, "call_duration": duration,
        "conversation_duration": talk, "caller_e164": caller_e164, "dest_e164": dest_e164,
        "extra": _decode_extra(extra) if extra else _EMPTY,
    }
    if kind_code == _USER_CODE:
        return UserCall(type=None if nulls & _NULL_TYPE else call_type, **common)
    return GroupCall(call_kind=KIND_OF_CODE.get(kind_code, CallKind.QUEUE),
                     group=None if nulls & _NULL_GROUP else group,
                     status=None if nulls & _NULL_STATUS else status, **common)


def storable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 cannot hold) replaced by U+FFFD."""
    if text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _storable_int(number: int) -> int | bytes:
    # SQLite integers are 64-bit and an integer column turns longer digit text into a
    # lossy REAL, so a bigger value (garbage from the API) is kept as a BLOB of its
    # digits and read back by _int().
    return number if -_INT64_MAX <= number <= _INT64_MAX else str(number).encode()


def _int(value: int | bytes) -> int:
    return int(value.decode() if isinstance(value, bytes) else value)


def _encode_extra(extra: Mapping[str, Any]) -> str | None:
    if not extra:
        return None
    # default=repr: the parser gives JSON values, but a stray object must not lose the row.
    # ensure_ascii keeps even a lone surrogate (a "\ud800" escape) exactly, as an escape.
    return json.dumps(dict(extra), separators=(",", ":"), default=repr)


def _decode_extra(text: str | None) -> Mapping[str, Any]:
    if not text:
        return _EMPTY
    try:
        value = json.loads(text)
    except ValueError:
        log.warning("Unreadable extra fields in the call store, shown as text")
        return MappingProxyType({"extra": text})
    return MappingProxyType(value) if isinstance(value, dict) else MappingProxyType(
        {"extra": value})
