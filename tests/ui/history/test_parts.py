"""The history tab's small parts on their own: days, durations, labels, numbers, CSV cells,
the several-of-many drop-down."""

from __future__ import annotations

import errno
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind, GroupCall, Outcome, UserCall
from pbxdesk.store import StoreBusyError
from pbxdesk.ui.history.calls import copy_text, dialable, other_party, status_of
from pbxdesk.ui.history.cells import format_duration
from pbxdesk.ui.history.checklist import CheckList
from pbxdesk.ui.history.csvfile import CsvFlavour, csv_row, describe_failure, header
from pbxdesk.ui.history.dates import DatePreset, DayRange, preset_days
from pbxdesk.ui.history.filterbar import user_entries
from pbxdesk.ui.history.pagingbar import rows_label

SYDNEY = ZoneInfo("Australia/Sydney")
START = datetime(2026, 3, 2, 1, 2, 3, 456000, tzinfo=UTC)


def user_call(**fields: object) -> UserCall:
    values: dict[str, object] = {
        "unique_call_id": "1", "type": "user_inbound_missed", "caller_id": "61412345678",
        "caller_name": None, "dest_number": "61290000000", "user_name": "Ann",
        "user_number": "1020", "call_start_at": START, "connected_at": None,
        "call_duration": 20, "conversation_duration": 0, "caller_e164": "+61412345678",
        "dest_e164": "+61290000000"}
    values.update(fields)
    return UserCall(**values)  # type: ignore[arg-type]


def group_call(**fields: object) -> GroupCall:
    values: dict[str, object] = {
        "call_kind": CallKind.QUEUE, "group": "Sales", "status": "abandoned",
        "unique_call_id": None, "caller_id": "61412345678", "caller_name": None,
        "dest_number": "61290000000", "user_name": None, "user_number": None,
        "call_start_at": START, "connected_at": None, "call_duration": 30,
        "conversation_duration": 0}
    values.update(fields)
    return GroupCall(**values)  # type: ignore[arg-type]


def test_day_ranges_follow_daylight_saving() -> None:
    # Sydney's clocks went forward on 2026-10-04: that local day is 23 hours long.
    start, end = DayRange(date(2026, 10, 4), date(2026, 10, 4)).to_utc(SYDNEY)
    assert end - start == timedelta(hours=23)
    assert start == datetime(2026, 10, 3, 14, 0, tzinfo=UTC)  # midnight AEST is 14:00 UTC
    assert DayRange(date(2026, 5, 9), date(2026, 5, 1)).to_utc(SYDNEY) == DayRange(
        date(2026, 5, 1), date(2026, 5, 9)).to_utc(SYDNEY)  # ends given the wrong way round


def test_presets_count_today_as_a_day() -> None:
    today = date(2026, 3, 31)
    assert preset_days(DatePreset.TODAY, today) == DayRange(today, today)
    assert preset_days(DatePreset.YESTERDAY, today) == DayRange(date(2026, 3, 30),
                                                                 date(2026, 3, 30))
    assert preset_days(DatePreset.LAST_7_DAYS, today) == DayRange(date(2026, 3, 25), today)
    assert preset_days(DatePreset.LAST_30_DAYS, today) == DayRange(date(2026, 3, 2), today)
    custom = DayRange(date(2026, 1, 9), date(2026, 1, 2))
    assert preset_days(DatePreset.CUSTOM, today, custom) == DayRange(date(2026, 1, 2),
                                                                      date(2026, 1, 9))


@pytest.mark.parametrize(("seconds", "text"), [
    (None, ""), (0, "0:00"), (59, "0:59"), (61, "1:01"), (3599, "59:59"), (3600, "1:00:00"),
    (90061, "25:01:01"), (-5, "-0:05")])
def test_durations(seconds: int | None, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(("call", "display", "stands_out"), [
    (user_call(), "✗ Inbound, missed", True),
    (user_call(type="user_outbound_answered"), "✓ Outbound, answered", False),
    (user_call(type="user_outbound_missed"), "✗ Outbound, missed", False),  # they missed it
    (user_call(type="User_Internal_Busy"), "⊘ Internal, busy", False),
    (user_call(type="user_inbound_voicemail"), "• Inbound, voicemail", False),
    (user_call(type="user_callback_missed"), "✗ Callback, missed", True),
    (user_call(type="user_inbound_noanswer"), "✗ Inbound, no answer", True),
    (user_call(type="user_inbound"), "• Inbound", False),  # a webhook's word
    (user_call(type="agent_whisper_done"), "• Agent whisper done", False),  # never seen
    (user_call(type=None), "•", False),
    (group_call(), "✗ Abandoned", True),
    (group_call(status="Answered"), "✓ Answered", False),
    (group_call(status="timeout"), "✗ Timed out", True),  # a missed call
    (group_call(status="noanswer"), "✗ No answer", True),
    (group_call(status="transferred"), "• Transferred", False),
    (group_call(status="callback_requested"), "• Callback requested", False),
    (group_call(status="SOME-new value"), "• Some new value", False),
])
def test_status_text_is_in_words_and_keeps_the_raw_value(
        call: UserCall | GroupCall, display: str, stands_out: bool) -> None:
    status = status_of(call)
    assert status.display == display
    assert status.raw == ((call.type if isinstance(call, UserCall) else call.status) or "")
    assert "_" not in status.display
    assert status.stands_out is stands_out
    assert status.spoken  # never empty for a screen reader


def test_other_party_and_what_is_dialable() -> None:
    inbound = user_call()
    assert other_party(inbound) == dialable(inbound, "AU") == "61412345678"
    assert copy_text(inbound, "AU") == "+61412345678"
    outbound = user_call(type="user_outbound_answered", caller_id="1020",
                         dest_number="442079460000", dest_e164=None)
    assert other_party(outbound) == dialable(outbound, "AU") == "442079460000"
    assert copy_text(outbound, "AU") == "+442079460000"  # normalised when the API gave none
    fictional = user_call(type="user_outbound_answered", caller_id="1020",
                          dest_number="441632960961", dest_e164=None)  # not a valid number
    assert dialable(fictional, "AU") is None
    assert copy_text(fictional, "AU") == "441632960961"  # as shown
    withheld = user_call(caller_id="anonymous", caller_e164=None)
    assert dialable(withheld, "AU") is None
    assert copy_text(withheld, "AU") is None
    internal = user_call(type="user_internal_answered", caller_id="1008", caller_e164=None,
                         dest_number="1020", dest_e164=None)
    assert dialable(internal, "AU") == "1008"
    assert copy_text(internal, "AU") == "1008"
    junk = user_call(caller_id="12345678901234567890", caller_e164=None)
    assert dialable(junk, "AU") is None
    assert copy_text(junk, "AU") == "12345678901234567890"  # as shown
    assert dialable(group_call(caller_id=None), "AU") is None


def test_csv_cells_keep_raw_values_and_defuse_formulas() -> None:
    call = user_call(caller_name="=1+2", user_name="-x", extra={"tag": "vip"},
                     connected_at=START + timedelta(seconds=5))
    cells = dict(zip(header(CallKind.USER), csv_row(call), strict=True))
    assert cells["caller_id"] == "61412345678"
    assert cells["caller_e164"] == "+61412345678"  # a plain number is not "defused"
    assert cells["caller_name"] == "'=1+2"
    assert cells["user_name"] == "'-x"
    assert cells["call_start_at"] == "2026-03-02T01:02:03.456Z"
    assert cells["connected_at"] == "2026-03-02T01:02:08.456Z"
    assert cells["call_duration"] == "20"
    assert cells["outcome"] == "missed"
    assert cells["direction"] == "inbound"
    assert cells["extra"] == '{"tag": "vip"}'
    group = dict(zip(header(CallKind.RING_GROUP),
                     csv_row(group_call(call_kind=CallKind.RING_GROUP)), strict=True))
    assert group["ring_group_name"] == "Sales"
    assert group["callerid"] == "61412345678"
    assert group["unique_call_id"] == ""
    assert group["status"] == "abandoned"


def test_spreadsheet_csv_keeps_identifiers_as_text_and_only_digits_go_in_a_formula() -> None:
    call = user_call(unique_call_id="1733551234.5678", caller_id="0412345678",
                     caller_e164="+61412345678", caller_name="=1+2",
                     dest_number='+61"&cmd|x', user_number="1004")
    cells = dict(zip(header(CallKind.USER, CsvFlavour.SPREADSHEET),
                     csv_row(call, CsvFlavour.SPREADSHEET), strict=True))
    assert cells["Call ID"] == '="1733551234.5678"'  # not 1.73355E+09
    assert cells["Caller"] == '="0412345678"'  # the leading 0 stays
    assert cells["Caller (international)"] == '="+61412345678"'  # the + stays
    assert cells["Extension"] == '="1004"'
    assert cells["Caller name"] == "'=1+2"  # the PBX's text is defused as before
    assert cells["Destination"] == "'+61\"&cmd|x"  # not digits: never inside a formula
    assert cells["Type"] == "Inbound, missed"
    assert cells["Outcome"] == "Missed"
    assert cells["Duration (seconds)"] == "20"  # a real number stays a number


def test_failure_messages_say_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "calls.csv"
    assert "the disk is full" in describe_failure(OSError(errno.ENOSPC, "No space"), path)
    assert "permission" in describe_failure(PermissionError(errno.EACCES, "Denied"), path)
    assert "could not read the call history" in describe_failure(
        StoreBusyError(path), path).lower()


def test_rows_label_uses_the_locale() -> None:
    australia = QLocale(QLocale.Language.English, QLocale.Country.Australia)
    germany = QLocale(QLocale.Language.German, QLocale.Country.Germany)
    assert rows_label(50, 30, 1234, australia) == "Rows 51–80 of 1,234"
    assert rows_label(50, 30, 1234, germany) == "Rows 51–80 of 1.234"
    assert rows_label(0, 0, 0, australia) == "No rows"


def test_user_entries_merge_names_seen_without_an_extension() -> None:
    entries = user_entries([("", "Ann Lee"), ("1020", "Ann Lee"), ("", "Bob"), ("1030", ""),
                            ("", "")])
    assert entries == [(("number", "1020"), "Ann Lee (1020)"), (("name", "Bob"), "Bob"),
                       (("number", "1030"), "1030")]


def test_checklist_all_and_entries_exclude_each_other(qtbot: QtBot) -> None:
    choice = CheckList("queue", "queues")
    qtbot.addWidget(choice)
    choice.set_entries([("Sales", "Sales"), ("Support", "Support")])
    assert choice.all_action().isChecked()
    assert choice.text() == "All queues"
    changes: list[None] = []
    choice.sig_selection_changed.connect(lambda: changes.append(None))
    sales = choice.action_for("Sales")
    assert sales is not None
    sales.trigger()
    assert choice.checked_keys() == {"Sales"}
    assert not choice.all_action().isChecked()
    assert choice.text() == "Sales"
    sales.trigger()  # un-ticking the last entry ticks "All" again
    assert choice.all_action().isChecked()
    choice.set_checked_keys(["Sales", "Support"])
    assert choice.text() == "2 queues"
    choice.set_entries([("Support", "Support"), ("Billing", "Billing")])  # Sales is gone
    assert choice.checked_keys() == {"Support"}
    choice.all_action().trigger()
    assert choice.checked_keys() == frozenset()
    assert len(changes) == 4
    assert Outcome.MISSED  # (the enum the outcome filter offers)


def test_checklist_cuts_a_long_name_instead_of_widening_the_bar(qtbot: QtBot) -> None:
    choice = CheckList("user", "users")
    qtbot.addWidget(choice)
    long_name = "Alexandra Richardson-Montgomery (10234)"
    choice.set_entries([("a", long_name), ("b", "Bo (7)")])
    choice.show()
    narrowest = choice.minimumSizeHint().width()
    choice.set_checked_keys({"a"})
    assert choice.minimumSizeHint().width() == narrowest  # as narrow as "All users"
    assert choice.sizeHint().width() > narrowest  # but asks for room for the whole name
    choice.resize(choice.sizeHint())
    qtbot.waitUntil(lambda: choice.text() == long_name)  # room: shown in full
    choice.resize(narrowest, choice.height())
    qtbot.waitUntil(lambda: choice.text().endswith("…"))
    assert choice.full_text() == long_name
    assert long_name in choice.toolTip()
    choice.set_checked_keys(set())
    assert choice.text() == "All users"  # at its narrowest, "All" is never cut


def test_checklist_shows_an_ampersand_as_written(qtbot: QtBot) -> None:
    choice = CheckList("queue", "queues")
    qtbot.addWidget(choice)
    choice.set_entries([("s", "Sales & Support")])
    choice.set_checked_keys({"s"})
    assert choice.full_text() == "Sales & Support"
    assert choice.text() == "Sales && Support"  # "&&" is Qt's literal "&", not a shortcut
    # …in the drop-down's menu entry too, and the entry still reads as given.
    action = choice.action_for("s")
    assert action is not None
    assert action.text() == "Sales && Support"
    assert choice.entries() == [("s", "Sales & Support")]
