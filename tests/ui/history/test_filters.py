"""Filters against ground truth: date presets in local days, users and groups, outcome,
direction, the search box (numbers in any format, names), and backfill requests."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome, UserCall
from pbxdesk.store import CallStore
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.dates import DatePreset, DayRange
from tests.ui.history.conftest import MakeTab, RecordingDialogs
from tests.ui.history.helpers import all_keys, between, key_clicks, keys_where, settled

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.fixture
def sydney_time() -> Iterator[None]:
    """The machine's time zone is Sydney's, so local days are not UTC days."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Australia/Sydney"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def local_day(call: AnyCall) -> date | None:
    return None if call.call_start_at is None else call.call_start_at.astimezone(SYDNEY).date()


@pytest.mark.usefixtures("sydney_time")
@pytest.mark.parametrize(("preset", "first_back", "last_back"), [
    (DatePreset.TODAY, 0, 0), (DatePreset.YESTERDAY, 1, 1),
    (DatePreset.LAST_7_DAYS, 6, 0), (DatePreset.LAST_30_DAYS, 29, 0)])
def test_date_presets_are_local_days(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]],
                                     preset: DatePreset, first_back: int,
                                     last_back: int) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.set_preset(preset)
    today = datetime.now(SYDNEY).date()
    first, last = today - timedelta(days=first_back), today - timedelta(days=last_back)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    assert flt.start.tzinfo is not None
    assert flt.start.utcoffset() == timedelta(0)
    assert flt.start.astimezone(SYDNEY) == datetime(first.year, first.month, first.day,
                                                    tzinfo=SYDNEY)
    after = last + timedelta(days=1)
    assert flt.end.astimezone(SYDNEY) == datetime(after.year, after.month, after.day,
                                                  tzinfo=SYDNEY)
    expected = keys_where(truth[CallKind.USER],
                          lambda call: (day := local_day(call)) is not None
                          and first <= day <= last)
    assert settled(tab).model.total == len(expected)
    assert set(all_keys(tab)) == expected
    assert tab.filter_bar.from_edit.date() == QDate(first.year, first.month, first.day)
    assert tab.filter_bar.to_edit.date() == QDate(last.year, last.month, last.day)


def test_custom_range_and_editing_a_date_switches_to_custom(
        make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]]) -> None:
    tab = make_tab(CallKind.QUEUE)
    today = date.today()
    first, last = today - timedelta(days=12), today - timedelta(days=3)
    tab.filter_bar.set_custom_range(first, last)
    start, end = DayRange(first, last).to_utc()
    assert (tab.current_filter().start, tab.current_filter().end) == (start, end)
    expected = {call.key for call in between(truth[CallKind.QUEUE], start, end)}
    assert set(all_keys(tab)) == expected
    tab.filter_bar.set_preset(DatePreset.LAST_7_DAYS)
    edited = today - timedelta(days=20)
    tab.filter_bar.from_edit.setDate(QDate(edited.year, edited.month, edited.day))
    assert tab.filter_bar.current_preset() is DatePreset.CUSTOM
    start, end = DayRange(edited, today).to_utc()
    assert tab.current_filter().start == start
    assert settled(tab).model.total == len(between(truth[CallKind.QUEUE], start, end))



def test_date_fields_show_the_whole_year(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.set_custom_range(date(2020, 1, 5), date(2020, 2, 1))
    # Australian short dates are d/M/yy: "5/1/20" could be a day or a year.
    assert tab.filter_bar.from_edit.text() == "5/1/2020"
    assert tab.filter_bar.to_edit.text() == "1/2/2020"

def test_user_multi_select(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]]) -> None:
    tab = make_tab(CallKind.USER)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    in_range = between(truth[CallKind.USER], flt.start, flt.end)
    busiest = [number for number, _ in Counter(
        call.user_number for call in in_range).most_common(2)]
    targets = tab.filter_bar.targets
    labels = dict(targets.entries())
    for number in busiest:
        assert number is not None
        key = ("number", number)
        assert labels[key].endswith(f"({number})")  # "Liam Scott (1020)"
        action = targets.action_for(key)
        assert action is not None
        action.trigger()
    assert not targets.all_action().isChecked()
    assert targets.text() == "2 users"
    expected = keys_where(in_range, lambda call: call.user_number in busiest)
    assert set(all_keys(tab)) == expected
    targets.all_action().trigger()
    assert targets.checked_keys() == frozenset()
    assert settled(tab).model.total == len(in_range)


@pytest.mark.parametrize("kind", [CallKind.QUEUE, CallKind.RING_GROUP])
def test_group_multi_select(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]],
                            kind: CallKind) -> None:
    tab = make_tab(kind)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    in_range = between(truth[kind], flt.start, flt.end)
    names = sorted({call.group_name for call in truth[kind] if call.group_name})
    assert [label for _key, label in tab.filter_bar.targets.entries()] == names
    chosen = names[:1]
    tab.filter_bar.targets.set_checked_keys(chosen)
    assert tab.filter_bar.targets.text() == chosen[0]
    assert set(all_keys(tab)) == keys_where(in_range, lambda call: call.group_name in chosen)


def test_new_users_appear_on_reload_and_ticks_stay(make_tab: MakeTab, store: CallStore,
                                                   truth: dict[CallKind, list[AnyCall]]
                                                   ) -> None:
    tab = make_tab(CallKind.USER)
    some = next(call for call in truth[CallKind.USER] if call.user_number)
    key = ("number", some.user_number)
    tab.filter_bar.targets.set_checked_keys([key])
    model_call = UserCall(
        unique_call_id="995000000001", type="user_inbound_answered", caller_id="61412000111",
        caller_name=None, dest_number="61290000000", user_name="New Starter",
        user_number="1999", call_start_at=datetime.now(UTC) - timedelta(minutes=5),
        connected_at=None, call_duration=30, conversation_duration=20)
    store.upsert([model_call])
    tab.reload()
    labels = dict(tab.filter_bar.targets.entries())
    assert labels[("number", "1999")] == "New Starter (1999)"
    assert tab.filter_bar.targets.checked_keys() == {key}


@pytest.mark.parametrize(("choice", "outcomes"), [
    ("Missed", {Outcome.MISSED}), ("Answered", {Outcome.ANSWERED}),
    ("Not answered", {Outcome.MISSED, Outcome.ABANDONED, Outcome.BUSY, Outcome.FAILED})])
def test_outcome_filter(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]], choice: str,
                        outcomes: set[Outcome]) -> None:
    tab = make_tab(CallKind.USER)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    tab.filter_bar.outcome.setCurrentText(choice)
    expected = keys_where(between(truth[CallKind.USER], flt.start, flt.end),
                          lambda call: call.outcome in outcomes)
    assert expected
    assert set(all_keys(tab)) == expected


def test_abandoned_queue_calls(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]]) -> None:
    tab = make_tab(CallKind.QUEUE)
    assert tab.filter_bar.direction is None  # group calls are all inbound
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    tab.filter_bar.outcome.setCurrentText("Abandoned")
    expected = keys_where(between(truth[CallKind.QUEUE], flt.start, flt.end),
                          lambda call: call.outcome is Outcome.ABANDONED)
    assert expected
    assert set(all_keys(tab)) == expected


@pytest.mark.parametrize("direction", [Direction.INBOUND, Direction.OUTBOUND,
                                       Direction.INTERNAL])
def test_direction_filter(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]],
                          direction: Direction) -> None:
    tab = make_tab(CallKind.USER)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    assert tab.filter_bar.direction is not None
    tab.filter_bar.direction.setCurrentText(direction.value.capitalize())
    expected = keys_where(between(truth[CallKind.USER], flt.start, flt.end),
                          lambda call: isinstance(call, UserCall)
                          and call.direction is direction)
    assert expected
    assert set(all_keys(tab)) == expected


def frequent_mobile(calls: list[AnyCall]) -> str:
    numbers = Counter(number for call in calls for number in (call.caller_id, call.dest_number)
                      if number and number.startswith("614") and len(number) == 11)
    return numbers.most_common(1)[0][0]


def test_search_finds_a_number_in_three_formats(
        make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]]) -> None:
    tab = make_tab(CallKind.USER)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    in_range = between(truth[CallKind.USER], flt.start, flt.end)
    number = frequent_mobile(in_range)  # e.g. 61412345678 as the API sends it
    national = f"0{number[2:5]} {number[5:8]} {number[8:]}"
    expected = keys_where(in_range, lambda call: number in (call.caller_id, call.dest_number))
    assert len(expected) >= 2
    # "0061 412 …": 00 before the country code, as much of the world dials abroad.
    double_zero = f"00{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
    for typed in (national, f"+{number}", number[2:], double_zero):
        tab.filter_bar.set_search_text(typed)
        assert set(all_keys(tab)) == expected, typed


def test_search_finds_names_in_any_case(make_tab: MakeTab,
                                        truth: dict[CallKind, list[AnyCall]]) -> None:
    tab = make_tab(CallKind.QUEUE)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    in_range = between(truth[CallKind.QUEUE], flt.start, flt.end)
    name = Counter(call.caller_name for call in in_range if call.caller_name).most_common(1)[0][0]
    part = name.split()[-1].lower()
    expected = keys_where(in_range, lambda call: any(
        part in (value or "").lower()
        for value in (call.caller_name, call.user_name, call.group_name)))
    tab.filter_bar.set_search_text(part)
    assert set(all_keys(tab)) == expected


def test_search_box_waits_for_typing_to_pause(make_tab: MakeTab, qtbot: QtBot,
                                             truth: dict[CallKind, list[AnyCall]]) -> None:
    tab = make_tab(CallKind.USER)
    search = tab.filter_bar.search
    assert search.placeholderText() == "Search number or name"
    assert search.isClearButtonEnabled()
    changes: list[object] = []
    tab.filter_bar.sig_filter_changed.connect(lambda: changes.append(None))
    key_clicks(qtbot, search, "0412 345 678")
    assert changes == []  # nothing yet: the user is still typing
    assert tab.current_filter().text == ""
    qtbot.waitUntil(lambda: tab.current_filter().text == "0412 345 678", timeout=2000)
    assert len(changes) == 1
    expected = keys_where(truth[CallKind.USER],
                          lambda call: "61412345678" in (call.caller_id, call.dest_number))
    assert expected
    assert set(all_keys(tab)) == expected
    search.clear()
    qtbot.waitUntil(lambda: tab.current_filter().text == "", timeout=2000)


def test_changing_the_filter_goes_back_to_page_one(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    tab.paging.next.click()
    assert tab.model.page == 1
    tab.filter_bar.outcome.setCurrentText("Answered")
    assert settled(tab).model.page == 0


def test_backfill_is_requested_when_the_range_reaches_before_stored_data(
        store: CallStore, qtbot: QtBot) -> None:
    now = datetime.now(UTC)
    store.sync.clear(CallKind.USER)
    store.sync.add_range(CallKind.USER, now - timedelta(days=5), now)
    # Connected right after construction, as the main window does: the first filter asks too.
    tab = HistoryTab(CallKind.USER, store, default_region="AU", dialogs=RecordingDialogs())
    qtbot.addWidget(tab)
    requests: list[tuple[datetime, datetime]] = []
    tab.sig_backfill_requested.connect(lambda start, end: requests.append((start, end)))
    qtbot.waitUntil(lambda: len(requests) == 1, timeout=2000)
    flt = tab.current_filter()
    assert requests == [(flt.start, flt.end)]  # Last 30 days, 25 of them never synced
    tab.reload()
    assert len(requests) == 1  # the same request is not repeated until something changes
    tab.filter_bar.set_preset(DatePreset.TODAY)
    assert len(requests) == 1  # today is inside the synced range
    tab.filter_bar.set_preset(DatePreset.LAST_7_DAYS)
    assert len(requests) == 2
    assert requests[-1][0] == tab.current_filter().start
    assert requests[-1][0] < now - timedelta(days=5)
    # The sync service fetched it; the next reload finds nothing missing.
    store.sync.add_range(CallKind.USER, now - timedelta(days=40), now)
    tab.reload()
    tab.filter_bar.set_preset(DatePreset.LAST_30_DAYS)
    assert len(requests) == 2


def test_no_backfill_before_the_first_sync(make_tab: MakeTab, store: CallStore,
                                          qtbot: QtBot) -> None:
    store.sync.clear()
    tab = make_tab(CallKind.QUEUE)
    with qtbot.assertNotEmitted(tab.sig_backfill_requested, wait=50):
        tab.filter_bar.set_preset(DatePreset.LAST_7_DAYS)


def test_reload_after_midnight_moves_the_preset_and_keeps_the_page(make_tab: MakeTab) -> None:
    day = [date.today() - timedelta(days=1)]
    tab = make_tab(CallKind.USER, today=lambda: day[0])
    tab.model.set_page(2)
    day[0] += timedelta(days=1)  # the clock passed midnight; a sync finished
    tab.reload()
    first = day[0] - timedelta(days=29)
    assert (tab.current_filter().start, tab.current_filter().end) == DayRange(
        first, day[0]).to_utc()
    assert tab.filter_bar.to_edit.date() == QDate(day[0].year, day[0].month, day[0].day)
    assert settled(tab).model.page == 2


def test_dates_outside_the_supported_range_are_clamped(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.from_edit.setDate(QDate(1800, 1, 1))
    assert tab.filter_bar.from_edit.date() == QDate(2000, 1, 1)
    assert tab.current_filter().start == DayRange(date(2000, 1, 1), date.today()).to_utc()[0]
