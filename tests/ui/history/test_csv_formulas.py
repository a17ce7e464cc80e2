"""CSV cells a spreadsheet would run as a formula are defused; look-alikes are kept.

Every first character Excel, LibreOffice or Sheets treat as the start of a
formula (``= + - @``, TAB, CR, and the full-width forms an IME may type) in
every text column gets an apostrophe in front; plain numbers (``+61…``,
``-5``) and text that only contains those characters further on stay as sent.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pbxdesk.api.models import CallKind, UserCall
from pbxdesk.ui.history.csvfile import csv_row, header, write_csv

START = datetime(2026, 3, 2, 1, 2, 3, tzinfo=UTC)
DANGEROUS_STARTS = ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"]
PAYLOAD = "HYPERLINK(\"http://example.test\",\"x\")+cmd|' /C calc'!A0"
TEXT_FIELDS = ["unique_call_id", "type", "caller_id", "caller_name", "dest_number",
               "user_name", "user_number"]
HARMLESS = ["+61412345678", "-5", "61412345678", "Ann-Marie", "ann@example.test", "a=b",
            " =1+1", "1+1", "'quoted", "x\uff1d1", "Zoë @ Sales"]


def call_with(**fields: object) -> UserCall:
    values: dict[str, object] = {
        "unique_call_id": "1", "type": "user_inbound_missed", "caller_id": "61412345678",
        "caller_name": None, "dest_number": "61290000000", "user_name": "Ann",
        "user_number": "1020", "call_start_at": START, "connected_at": None,
        "call_duration": 20, "conversation_duration": 0}
    values.update(fields)
    return UserCall(**values)  # type: ignore[arg-type]


def cells_of(call: UserCall) -> dict[str, str]:
    return dict(zip(header(CallKind.USER), csv_row(call), strict=True))


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("start", DANGEROUS_STARTS,
                         ids=["eq", "plus", "minus", "at", "tab", "cr", "fw-eq", "fw-plus",
                              "fw-minus", "fw-at"])
def test_every_formula_start_in_every_text_column_is_defused(field: str, start: str) -> None:
    value = start + PAYLOAD
    assert cells_of(call_with(**{field: value}))[field] == "'" + value


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("value", HARMLESS)
def test_look_alikes_are_kept_as_they_are(field: str, value: str) -> None:
    assert cells_of(call_with(**{field: value}))[field] == value


def test_negative_durations_are_numbers_not_formulas() -> None:
    cells = cells_of(call_with(call_duration=-5, conversation_duration=-1))
    assert (cells["call_duration"], cells["conversation_duration"]) == ("-5", "-1")


def test_the_written_file_holds_the_apostrophes(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    calls = [call_with(caller_name=start + "1+1", user_name="+61412345678")
             for start in DANGEROUS_STARTS]

    write_csv(path, CallKind.USER, calls)

    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["caller_name"] for row in rows] == ["'" + s + "1+1" for s in DANGEROUS_STARTS]
    assert {row["user_name"] for row in rows} == {"+61412345678"}
