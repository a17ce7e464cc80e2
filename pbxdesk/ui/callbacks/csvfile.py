"""The callbacks worklist as a CSV file, with the history export's conventions.

The same two flavours as :mod:`pbxdesk.ui.history.csvfile`, and the same file
rules (UTF-8 with a BOM, Excel's dialect, written to a temporary file and
renamed when complete, text a spreadsheet would run as a formula made inert):
for spreadsheets, column titles in words and numbers kept as written
(``="0412345678"``); for scripts, field names and values as stored. Times
appear twice, as the API writes them (ISO 8601 UTC) and in local time. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Final

from pbxdesk.services.callbacktexts import moment, shown_state
from pbxdesk.store.callbackrules import WITHHELD, ItemRow
from pbxdesk.ui.history.csvfile import (
    CsvFlavour,
    api_time,
    atomic_csv,
    excel_text,
    identifier_text,
    local_time,
)

# (field name, column title in words), in the file's order.
COLUMNS: Final = (
    ("number_e164", "Caller (international)"), ("caller_id", "Caller"),
    ("caller_name", "Caller name"), ("state", "State"), ("attempts", "Calls"),
    ("first_attempt", "First call (UTC)"), ("last_attempt", "Last call (UTC)"),
    ("first_attempt_local", "First call (local time)"),
    ("last_attempt_local", "Last call (local time)"), ("through", "Through"),
    ("longest_wait_seconds", "Longest ring or hold (seconds)"),
    ("waiting_seconds", "Waiting (seconds)"), ("call_backs", "Call-backs"),
    ("last_call_back", "Last call-back (UTC)"), ("last_call_back_by", "Last call-back by"),
    ("closed_at", "Closed (UTC)"), ("closed_by", "Closed by"),
    ("snoozed_until", "Snoozed until (UTC)"), ("note", "Note"), ("claimed_by", "Claimed by"),
    ("claimed_at", "Claimed (UTC)"), ("status", "Where it stands"),
)


def header(flavour: CsvFlavour) -> list[str]:
    return [name if flavour is CsvFlavour.API else title for name, title in COLUMNS]


def _when(micros: int) -> datetime | None:
    return moment(micros) if micros >= 0 else None


def csv_row(item: ItemRow, now_us: int, status: str,
            flavour: CsvFlavour = CsvFlavour.API) -> list[str]:
    """One item's cells in :func:`header` order; ``status`` is the view's sentence."""
    number = excel_text if flavour is CsvFlavour.API else identifier_text
    state = shown_state(item, now_us)
    waiting = str(max(0, (now_us - item.first_us) // 1_000_000)) if state.waiting else ""
    first, last = _when(item.first_us), _when(item.last_us)
    e164 = item.number if item.number != WITHHELD and item.number.startswith("+") else ""
    return [
        number(e164), number(item.raw_number), excel_text(item.caller_name), state.value,
        str(item.attempts), api_time(first), api_time(last), local_time(first),
        local_time(last), excel_text(item.via), str(item.wait_s), waiting, str(item.tries),
        api_time(_when(item.last_try_us)), excel_text(item.last_try_by),
        api_time(_when(item.closed_us)), excel_text(item.closed_by),
        api_time(_when(item.snooze_until_us)), excel_text(item.note),
        excel_text(item.claim_by), api_time(_when(item.claim_us)), excel_text(status),
    ]


def write_worklist(path: Path, items: Iterable[ItemRow], now_us: int,
                   status: Callable[[ItemRow], str],
                   flavour: CsvFlavour = CsvFlavour.SPREADSHEET) -> int:
    """Write ``items`` to ``path`` atomically; returns the number of rows.

    Raises the ``OSError`` that stopped it, leaving ``path`` untouched.
    """
    written = 0
    with atomic_csv(path) as writer:
        writer.writerow(header(flavour))
        for item in items:
            writer.writerow(csv_row(item, now_us, status(item), flavour))
            written += 1
    return written
