"""Calls as a CSV file for Excel: the layout of a row and the atomic write.

Two flavours (:class:`CsvFlavour`), the same columns in the same order:

* ``SPREADSHEET`` (what the export offers first): column titles in words
  ("Call ID", "Caller", "Start (local time)"), type and status in words, and the
  identifiers a spreadsheet would turn into numbers — call IDs, numbers with a
  ``+`` or a leading 0, extensions — written as ``="0412345678"``, which Excel,
  LibreOffice and Google Sheets all keep as that text. Only values made of
  digits (one ``+`` first, dots between) are written so; nothing the PBX sent
  can get into that formula.
* ``API``: the API's own field names for the kind (``callerid`` and
  ``queue_name`` / ``ring_group_name`` for group calls) with values as the API
  sent them, for scripts.

Either way: the API's fields (numbers as raw digits, times as ISO 8601 UTC),
then readable columns: the local start time, direction, outcome, both numbers
as E.164, and any fields the API sent that pbxdesk does not know, as JSON.

The file is UTF-8 with a byte-order mark (so Excel reads names correctly) and
appears only when complete: rows go to a temporary file beside the target,
which is renamed over it at the end; on any error or a cancel the temporary
file is removed. Text that Excel would run as a formula (a caller name
starting with ``=``, ``+``, ``-``, ``@``, TAB, CR or a full-width ``＝``) is
prefixed with an apostrophe; a plain number such as ``+61412345678`` is not.
No Qt here.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from pbxdesk.api.models import AnyCall, CallKind, UserCall
from pbxdesk.store import StoreError
from pbxdesk.ui.history.calls import DIRECTION_TEXT, OUTCOME_TEXT
from pbxdesk.ui.history.wording import status_words, type_words

PROGRESS_EVERY: Final = 250
_COMMON_TAIL: Final = ("caller_name", "dest_number", "user_name", "user_number",
                       "call_start_at", "connected_at", "call_duration",
                       "conversation_duration")
READABLE_FIELDS: Final = ("start_local", "direction", "outcome", "caller_e164", "dest_e164",
                          "extra")
# What a spreadsheet may run as a formula; the full-width forms too (an IME types them,
# and some spreadsheets read them as the ASCII ones).
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d",
                         "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+")
_IDENTIFIER = re.compile(r"\+?\d+(?:\.\d+)*")
"""What a spreadsheet would read as a number but is an identifier: kept as text."""

_TITLES: Final = {
    "unique_call_id": "Call ID", "type": "Type", "queue_name": "Queue",
    "ring_group_name": "Ring group", "caller_id": "Caller", "callerid": "Caller",
    "caller_name": "Caller name", "dest_number": "Destination", "user_name": "User",
    "user_number": "Extension", "call_start_at": "Start (UTC)",
    "connected_at": "Answered (UTC)", "call_duration": "Duration (seconds)",
    "conversation_duration": "Talk time (seconds)", "status": "Status",
    "start_local": "Start (local time)", "direction": "Direction", "outcome": "Outcome",
    "caller_e164": "Caller (international)", "dest_e164": "Destination (international)",
    "extra": "Other fields sent by the PBX",
}


class CsvFlavour(StrEnum):
    """How the file is written (see the module docstring)."""

    SPREADSHEET = "spreadsheet"
    API = "api"


class ExportCancelledError(Exception):
    """The user cancelled; nothing was written."""


def api_fields(kind: CallKind) -> tuple[str, ...]:
    """The API's field names for ``kind``, in the order the API documents them."""
    if kind is CallKind.USER:
        return ("unique_call_id", "type", "caller_id", *_COMMON_TAIL)
    return ("unique_call_id", str(kind.group_field), "callerid", *_COMMON_TAIL, "status")


def header(kind: CallKind, flavour: CsvFlavour = CsvFlavour.API) -> list[str]:
    names = [*api_fields(kind), *READABLE_FIELDS]
    return names if flavour is CsvFlavour.API else [_TITLES[name] for name in names]


def api_time(moment: datetime | None) -> str:
    """ISO 8601 UTC with milliseconds and ``Z``, as the API writes times."""
    if moment is None:
        return ""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def local_time(moment: datetime | None) -> str:
    """Local time as ``YYYY-MM-DD HH:MM:SS``, which Excel reads as a date in any locale."""
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _text(value: str | None) -> str:
    if not value:
        return ""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def excel_text(value: str | None) -> str:
    """``value`` for a CSV cell: empty for None, text Excel would run as a formula made inert."""
    return _text(value)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def identifier_text(value: str | None) -> str:
    """A number or id for the spreadsheet flavour: ``="…"``, kept as written (see above)."""
    return _kept_as_text(value)


def _kept_as_text(value: str | None) -> str:
    """An identifier as ``="…"`` so a spreadsheet keeps it as written (see the docstring)."""
    if value and _IDENTIFIER.fullmatch(value):
        return f'="{value}"'
    return _text(value)


def csv_row(call: AnyCall, flavour: CsvFlavour = CsvFlavour.API) -> list[str]:
    """One call's cells, in :func:`header` order for its kind."""
    spreadsheet = flavour is CsvFlavour.SPREADSHEET
    ident = _kept_as_text if spreadsheet else _text
    tail = [_text(call.caller_name), ident(call.dest_number), _text(call.user_name),
            ident(call.user_number), api_time(call.call_start_at), api_time(call.connected_at),
            _number(call.call_duration), _number(call.conversation_duration)]
    if isinstance(call, UserCall):
        kind_text = type_words(call.type) if spreadsheet else call.type
        cells = [ident(call.unique_call_id), _text(kind_text), ident(call.caller_id), *tail]
    else:  # a GroupCall
        status = status_words(call.status) if spreadsheet else call.status
        cells = [ident(call.unique_call_id), _text(call.group), ident(call.caller_id), *tail,
                 _text(status)]
    extra = json.dumps(dict(call.extra), ensure_ascii=False, default=repr) if call.extra else ""
    if spreadsheet:
        direction = DIRECTION_TEXT[call.direction]
        outcome = OUTCOME_TEXT[call.outcome].capitalize()
    else:
        direction, outcome = call.direction.value, call.outcome.value
    cells += [local_time(call.call_start_at), direction, outcome,
              ident(call.caller_e164), ident(call.dest_e164), _text(extra)]
    return cells


@contextlib.contextmanager
def atomic_csv(path: Path) -> Iterator[Any]:
    """A ``csv.writer`` (Excel's dialect, UTF-8 with a BOM) whose rows reach ``path`` only
    when the block ends normally; on any exception the temporary file is removed and
    ``path`` is untouched."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as stream:
            yield csv.writer(stream, dialect="excel")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_csv(path: Path, kind: CallKind, calls: Iterable[AnyCall], *,
              cancelled: Callable[[], bool] = lambda: False,
              progress: Callable[[int], None] = lambda _rows: None,
              flavour: CsvFlavour = CsvFlavour.API) -> int:
    """Write ``calls`` to ``path`` atomically; returns the number of rows written.

    Raises :class:`ExportCancelledError` when ``cancelled()`` turns true, or the
    ``OSError`` / ``StoreError`` that stopped it; in every such case ``path`` is
    untouched and no temporary file is left.
    """
    written = 0
    with atomic_csv(path) as writer:
        writer.writerow(header(kind, flavour))
        for call in calls:
            writer.writerow(csv_row(call, flavour))
            written += 1
            if written % PROGRESS_EVERY == 0:
                if cancelled():
                    raise ExportCancelledError
                progress(written)
        if cancelled():
            raise ExportCancelledError
    progress(written)
    return written


_OS_REASONS: Final = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "your disk quota is used up",
    errno.EFBIG: "the file is too large for that disk",
    errno.EACCES: "you do not have permission to write there",
    errno.EPERM: "you do not have permission to write there",
    errno.EROFS: "that disk is read-only",
    errno.ENOENT: "that folder does not exist",
    errno.ENOTDIR: "that folder does not exist",
}


def describe_failure(error: OSError | StoreError, path: Path) -> str:
    """A calm sentence saying what went wrong and what to do."""
    if isinstance(error, StoreError):
        return f"Could not read the call history for the export: {error}"
    reason = _OS_REASONS.get(error.errno or 0, error.strerror or "the file could not be written")
    return (f"Could not export to {path.name}: {reason}. No file was written; "
            "choose another place or free some space and try again.")
