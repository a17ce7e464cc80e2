"""Calls as a CSV file for Excel: the layout of a row and the atomic write.

Columns: the API's own field names for the kind (``callerid`` and
``queue_name`` / ``ring_group_name`` for group calls), with values as the API
sent them (numbers as raw digits, times as ISO 8601 UTC), then readable
columns: the local start time, direction, outcome, both numbers as E.164, and
any fields the API sent that pbxdesk does not know, as JSON.

The file is UTF-8 with a byte-order mark (so Excel reads names correctly) and
appears only when complete: rows go to a temporary file beside the target,
which is renamed over it at the end; on any error or a cancel the temporary
file is removed. Text that Excel would run as a formula (a caller name
starting with ``=``) is prefixed with an apostrophe. No Qt here.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from pbxdesk.api.models import AnyCall, CallKind, UserCall
from pbxdesk.store import StoreError

PROGRESS_EVERY: Final = 250
_COMMON_TAIL: Final = ("caller_name", "dest_number", "user_name", "user_number",
                       "call_start_at", "connected_at", "call_duration",
                       "conversation_duration")
READABLE_FIELDS: Final = ("start_local", "direction", "outcome", "caller_e164", "dest_e164",
                          "extra")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+")


class ExportCancelledError(Exception):
    """The user cancelled; nothing was written."""


def api_fields(kind: CallKind) -> tuple[str, ...]:
    """The API's field names for ``kind``, in the order the API documents them."""
    if kind is CallKind.USER:
        return ("unique_call_id", "type", "caller_id", *_COMMON_TAIL)
    return ("unique_call_id", str(kind.group_field), "callerid", *_COMMON_TAIL, "status")


def header(kind: CallKind) -> list[str]:
    return [*api_fields(kind), *READABLE_FIELDS]


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


def text_cell(value: str | None) -> str:
    """A text cell: empty for None, with a leading ' where Excel would run a formula."""
    return _text(value)


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def csv_row(call: AnyCall) -> list[str]:
    """One call's cells, in :func:`header` order for its kind."""
    tail = [_text(call.caller_name), _text(call.dest_number), _text(call.user_name),
            _text(call.user_number), api_time(call.call_start_at), api_time(call.connected_at),
            _number(call.call_duration), _number(call.conversation_duration)]
    if isinstance(call, UserCall):
        cells = [_text(call.unique_call_id), _text(call.type), _text(call.caller_id), *tail]
    else:  # a GroupCall
        cells = [_text(call.unique_call_id), _text(call.group), _text(call.caller_id), *tail,
                 _text(call.status)]
    extra = json.dumps(dict(call.extra), ensure_ascii=False, default=repr) if call.extra else ""
    cells += [local_time(call.call_start_at), call.direction.value, call.outcome.value,
              call.caller_e164 or "", call.dest_e164 or "", _text(extra)]
    return cells


def write_csv(path: Path, kind: CallKind, calls: Iterable[AnyCall], *,
              cancelled: Callable[[], bool] = lambda: False,
              progress: Callable[[int], None] = lambda _rows: None) -> int:
    """Write ``calls`` to ``path`` atomically; returns the number of rows written.

    Raises :class:`ExportCancelledError` when ``cancelled()`` turns true, or the
    ``OSError`` / ``StoreError`` that stopped it; in every such case ``path`` is
    untouched and no temporary file is left.
    """
    return write_table(path, header(kind), (csv_row(call) for call in calls),
                       cancelled=cancelled, progress=progress)


def write_table(path: Path, head: Sequence[str], rows: Iterable[Sequence[str]], *,
                cancelled: Callable[[], bool] = lambda: False,
                progress: Callable[[int], None] = lambda _rows: None) -> int:
    """Write a header and rows as this module's CSV (BOM, Excel dialect), atomically.

    The rows' cells must already be text (see :func:`text_cell`). Raises as
    :func:`write_csv` does, leaving ``path`` untouched.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".part")
    written = 0
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream, dialect="excel")
            writer.writerow(head)
            for row in rows:
                writer.writerow(row)
                written += 1
                if written % PROGRESS_EVERY == 0:
                    if cancelled():
                        raise ExportCancelledError
                    progress(written)
            if cancelled():
                raise ExportCancelledError
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
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
