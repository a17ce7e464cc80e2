"""The callbacks worklist as a CSV file, with the history export's conventions.

Same file rules as :mod:`pbxdesk.ui.history.csvfile` (UTF-8 with a BOM, the
Excel dialect, written to a temporary file and renamed when complete, text
that Excel would run as a formula prefixed with an apostrophe). Times appear
twice, as the API writes them (ISO 8601 UTC) and in local time for reading;
numbers as E.164 and as the PBX sent them. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Final

from pbxdesk.services.callbacktexts import moment, shown_state
from pbxdesk.store.callbackrules import WITHHELD, ItemRow
from pbxdesk.ui.history.csvfile import api_time, local_time, text_cell, write_table

HEADER: Final = (
    "number_e164", "caller_id", "caller_name", "state", "attempts", "first_attempt",
    "last_attempt", "first_attempt_local", "last_attempt_local", "through",
    "longest_wait_seconds", "waiting_seconds", "call_backs", "last_call_back",
    "last_call_back_by", "closed_at", "closed_by", "snoozed_until", "note", "claimed_by",
    "claimed_at", "status",
)


def _when(micros: int) -> datetime | None:
    return moment(micros) if micros >= 0 else None


def csv_row(item: ItemRow, now_us: int, status: str) -> list[str]:
    """One item's cells in :data:`HEADER` order; ``status`` is the view's sentence."""
    state = shown_state(item, now_us)
    waiting = str(max(0, (now_us - item.first_us) // 1_000_000)) if state.waiting else ""
    first, last = _when(item.first_us), _when(item.last_us)
    return [
        "" if item.number == WITHHELD or not item.number.startswith("+") else item.number,
        text_cell(item.raw_number), text_cell(item.caller_name), state.value,
        str(item.attempts), api_time(first), api_time(last), local_time(first),
        local_time(last), text_cell(item.via), str(item.wait_s), waiting, str(item.tries),
        api_time(_when(item.last_try_us)), text_cell(item.last_try_by),
        api_time(_when(item.closed_us)), text_cell(item.closed_by),
        api_time(_when(item.snooze_until_us)), text_cell(item.note), text_cell(item.claim_by),
        api_time(_when(item.claim_us)), text_cell(status),
    ]


def write_worklist(path: Path, items: Iterable[ItemRow], now_us: int,
                   status: Callable[[ItemRow], str]) -> int:
    """Write ``items`` to ``path`` atomically; returns the number of rows.

    Raises the ``OSError`` that stopped it, leaving ``path`` untouched.
    """
    return write_table(path, HEADER, (csv_row(item, now_us, status(item)) for item in items))
