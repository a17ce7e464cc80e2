"""Each tab shows the sandbox's calls, readably, through a model that passes Qt's tester."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import NoReturn

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall, CallKind, Direction, Outcome, UserCall
from pbxdesk.store import CallStore, Sort, SortColumn, StoreIOError
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import Field
from pbxdesk.ui.history.model import CALL_ROLE, RAW_ROLE, HistoryModel
from pbxdesk.ui.history.tab import EMPTY_FILTERED, EMPTY_STORE
from tests.ui.history.conftest import (
    ANONYMOUS_CALL_ID,
    MARKUP_CALL_ID,
    MARKUP_NAME,
    ODD_CALL_ID,
    ODD_STATUS,
    ODD_TYPE,
    MakeTab,
    RecordingDialogs,
)
from tests.ui.history.helpers import between, column_texts, newest_first, page_calls, settled

KINDS = [CallKind.USER, CallKind.QUEUE, CallKind.RING_GROUP]


def check_model(tester: ModelTester, model: HistoryModel) -> None:
    tester.check(model)  # type: ignore[no-untyped-call]  # pytest-qt has no hints here


@pytest.mark.parametrize("kind", KINDS)
def test_tab_shows_the_sandbox_calls_newest_first(
        make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]], kind: CallKind) -> None:
    tab = make_tab(kind)
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    expected = newest_first(between(truth[kind], flt.start, flt.end))
    assert len(expected) > 100  # the data set fills more than one page
    assert tab.model.total == len(expected)
    assert tab.model.rowCount() == 100
    shown = page_calls(tab)
    assert [call.call_start_at for call in shown] == [
        call.call_start_at for call in expected[:100]]
    # Same calls, field for field (the order of calls that started together is the store's).
    assert sorted(shown, key=lambda call: call.key) == sorted(
        expected[:100], key=lambda call: call.key)
    assert tab.paging.label.text() == f"Rows 1–100 of {len(expected):,}"
    assert not tab.view.empty_label.isVisible()


def test_cells_are_readable(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.set_search_text("Zoë")  # the call with an unknown type
    [call] = page_calls(tab)
    assert call.unique_call_id == ODD_CALL_ID
    model = tab.model

    def cell(field: Field, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return model.data(model.index(0, model.column_of(field)), role)

    assert cell(Field.CALLER) == "0412 345 678"  # national format for the default country
    assert "61412345678" in str(cell(Field.CALLER, Qt.ItemDataRole.ToolTipRole))
    assert cell(Field.CALLER, RAW_ROLE) == "61412345678"
    assert cell(Field.DESTINATION) == "(02) 9000 0000"
    assert cell(Field.DURATION) == "1:02:05"  # 3725 s: h:mm:ss over an hour
    assert cell(Field.TALK_TIME) == "0:00"
    assert cell(Field.ANSWERED) == ""  # never answered
    # An unknown type in words; the tooltip keeps it as the PBX sent it.
    assert cell(Field.STATUS) == "• Inbound, voicemail transcribed"
    assert f"Sent by the PBX as type: {ODD_TYPE}" in str(
        cell(Field.STATUS, Qt.ItemDataRole.ToolTipRole))
    details = str(cell(Field.CALL_ID, Qt.ItemDataRole.ToolTipRole))
    assert "recording_url: https://example.test/rec/1.mp3" in details
    assert 'tags: ["vip", 3]' in details
    start = cell(Field.START)
    assert isinstance(start, str)
    assert start.count("/") == 2  # en_AU short date, then the time
    assert start.endswith(("am", "pm"))


def shown_as(tip: str) -> QTextDocument:
    """The tooltip as Qt lays it out: markup when Qt guesses it is, else plain text."""
    document = QTextDocument()
    if QtGui.Qt.mightBeRichText(tip):
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    return document


def test_a_callers_name_in_markup_is_shown_as_text_in_its_tooltip(make_tab: MakeTab) -> None:
    # A caller chooses their name: as markup, hovering it loaded a local file into a
    # 90,000-pixel image (gigabytes, the window frozen) and showed bold "Bank".
    tab = make_tab(CallKind.USER)
    tab.filter_bar.set_search_text("0412 345 679")
    [call] = page_calls(tab)
    assert call.unique_call_id == MARKUP_CALL_ID
    model = tab.model
    tip = model.data(model.index(0, model.column_of(Field.CALLER_NAME)),
                     Qt.ItemDataRole.ToolTipRole)
    document = shown_as(str(tip))
    assert document.toPlainText() == MARKUP_NAME
    assert "<img" not in document.toHtml()
    assert "font-weight:700" not in document.toHtml()  # no bold "Bank" either


def test_durations_are_minutes_and_seconds(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    short = 0
    for call, text in zip(page_calls(tab), column_texts(tab, Field.DURATION), strict=True):
        assert call.call_duration is not None
        minutes, seconds = divmod(call.call_duration, 60)
        if minutes < 60:
            short += 1
            assert text == f"{minutes}:{seconds:02d}"
        else:
            assert text == f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    assert short > 50


def test_group_tab_shows_unknown_status_and_extra_fields(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.QUEUE)
    tab.filter_bar.outcome.setCurrentText("Other")
    calls = page_calls(tab)
    odd = [call for call in calls if getattr(call, "status", None) == ODD_STATUS]
    assert len(odd) == 1
    row = calls.index(odd[0])
    model = tab.model
    status = model.data(model.index(row, model.column_of(Field.STATUS)))
    assert status == "• Callback requested"
    assert model.data(model.index(row, model.column_of(Field.STATUS)),
                      Qt.ItemDataRole.ToolTipRole).endswith(f"status: {ODD_STATUS}")
    assert model.headerData(model.column_of(Field.GROUP), Qt.Orientation.Horizontal) == "Queue"
    tooltip = model.data(model.index(row, model.column_of(Field.CALL_ID)),
                         Qt.ItemDataRole.ToolTipRole)
    assert "Call ID: (none sent)" in tooltip
    assert "wrapup_code: CB-7" in tooltip


@pytest.mark.parametrize("kind", KINDS)
def test_missed_and_abandoned_calls_stand_out_without_colour(
        make_tab: MakeTab, kind: CallKind) -> None:
    tab = make_tab(kind)
    model = tab.model
    status_column = model.column_of(Field.STATUS)
    seen: set[Outcome | Direction] = set()
    for row, call in enumerate(page_calls(tab)):
        font = model.data(model.index(row, 0), Qt.ItemDataRole.FontRole)
        text = model.data(model.index(row, status_column))
        colour = model.data(model.index(row, status_column), Qt.ItemDataRole.ForegroundRole)
        outbound = isinstance(call, UserCall) and call.direction is Direction.OUTBOUND
        if call.outcome in (Outcome.MISSED, Outcome.ABANDONED) and not outbound:
            seen.add(call.outcome)
            assert isinstance(font, QFont)
            assert font.bold()
            assert text.startswith("✗ ")
            assert colour is not None
        elif call.outcome is Outcome.MISSED:  # outbound: the cross, not the alarm
            seen.add(Direction.OUTBOUND)
            assert font is None
            assert text == "✗ Outbound, missed"
            assert colour is None
        else:
            assert font is None
            assert not text.startswith("✗")
            assert colour is None
    assert seen - {Direction.OUTBOUND}  # the first page has some
    if kind is CallKind.USER:
        assert Direction.OUTBOUND in seen  # and an outbound one nobody answered


@pytest.mark.parametrize("kind", KINDS)
def test_model_passes_qt_model_tester_after_filter_and_sort_changes(
        make_tab: MakeTab, qtmodeltester: ModelTester, kind: CallKind) -> None:
    tab = make_tab(kind)
    check_model(qtmodeltester, tab.model)
    tab.filter_bar.outcome.setCurrentText("Answered")
    tab.view.sortByColumn(tab.model.column_of(Field.CALLER_NAME), Qt.SortOrder.AscendingOrder)
    settled(tab).model.set_page(1)
    check_model(qtmodeltester, settled(tab).model)
    tab.filter_bar.set_search_text("no such caller anywhere")
    assert settled(tab).model.rowCount() == 0
    check_model(qtmodeltester, tab.model)


def test_model_columns_and_sort_keys(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.RING_GROUP)
    headers = [tab.model.headerData(column, Qt.Orientation.Horizontal)
               for column in range(tab.model.columnCount())]
    assert headers == ["Start", "Status", "Ring group", "Caller", "Caller name", "Destination",
                       "User", "Ext.", "Duration", "Talk time", "Answered", "Call ID"]
    for column in range(tab.model.columnCount()):
        tip = tab.model.headerData(column, Qt.Orientation.Horizontal,
                                   Qt.ItemDataRole.ToolTipRole)
        assert tip
    user = make_tab(CallKind.USER)
    assert [user.model.headerData(column, Qt.Orientation.Horizontal)
            for column in range(user.model.columnCount())][:3] == ["Start", "Type", "Caller"]


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[CallStore]:
    store = CallStore(tmp_path / "empty.sqlite3", default_region="AU")
    yield store
    store.close()


# The store first: fixtures end in reverse order, and a tab must not outlive its store.
def test_empty_states_are_said_in_words(empty_store: CallStore, make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER, store=empty_store)
    assert tab.model.total == 0
    assert tab.view.empty_label.isVisible()
    assert tab.view.empty_label.text().startswith(EMPTY_STORE)
    assert tab.paging.label.text() == "No rows"
    assert not tab.paging.next.isEnabled()
    filled = make_tab(CallKind.USER)
    filled.filter_bar.set_search_text("no such caller anywhere")
    assert settled(filled).view.empty_label.isVisible()
    assert filled.view.empty_label.text().startswith(EMPTY_FILTERED)
    filled.filter_bar.set_search_text("")
    assert not settled(filled).view.empty_label.isVisible()


def test_a_tab_is_freed_with_its_last_reference(store: CallStore, qtbot: QtBot) -> None:
    # No reference cycles: a top-level tab kept alive only by a cycle would be deleted
    # by the garbage collector at a random moment, possibly in the middle of a paint.
    tab = HistoryTab(CallKind.USER, store, default_region="AU", dialogs=RecordingDialogs())
    with qtbot.waitExposed(tab):
        tab.show()
    qtbot.wait(1)  # the deferred first backfill check runs (its timer holds the tab till then)
    tab.export_csv()  # cancelled at the file question: the exporter is built but idle
    watcher = weakref.ref(tab)
    del tab
    assert watcher() is None


def test_default_region_changes_number_format(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.set_search_text("Zoë")
    model = settled(tab).model
    index = model.index(0, model.column_of(Field.CALLER))
    assert model.data(index) == "0412 345 678"
    tab.set_default_region("GB")
    assert model.data(index) == "+61 412 345 678"


def test_store_failure_is_a_message_not_a_crash(make_tab: MakeTab, store: CallStore,
                                                qtbot: QtBot,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    tab = make_tab(CallKind.USER)

    def fail(*_args: object, **_kwargs: object) -> NoReturn:
        # A disk failure cannot be produced on demand; the store's own error type stands in.
        raise StoreIOError(store.path, "Input/output error")

    monkeypatch.setattr(store, "count", fail)
    monkeypatch.setattr(store, "page", fail)
    with qtbot.waitSignal(tab.sig_status_message) as message:
        tab.reload()
    assert message.args[0].startswith("Could not read the call history")
    assert tab.model.rowCount() == 0
    assert tab.model.call_at(0) is None
    monkeypatch.undo()
    tab.reload()
    assert settled(tab).model.rowCount() == 100


def test_call_role_gives_model_rows(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    call = tab.model.data(tab.model.index(0, 3), CALL_ROLE)
    assert isinstance(call, UserCall)
    assert tab.model.sort_order == Sort(SortColumn.START, descending=True)
    assert ANONYMOUS_CALL_ID  # used by the actions tests


def test_no_match_names_only_the_filters_that_narrow(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    bar = tab.filter_bar
    bar.set_custom_range(date(2001, 1, 1), date(2001, 1, 2))  # years before any call
    assert settled(tab).view.empty_label.text() == f"{EMPTY_FILTERED}\nTry a longer date range."
    bar.set_search_text("no such caller")
    bar.outcome.setCurrentIndex(bar.outcome.findText("Missed"))
    assert settled(tab).view.empty_label.text() == (
        f"{EMPTY_FILTERED}\n"
        "Try a longer date range, clear the search or choose All outcomes.")
    first_user = bar.targets.entries()[0][0]
    bar.targets.set_checked_keys({first_user})
    assert bar.direction is not None
    bar.direction.setCurrentIndex(1)
    assert settled(tab).view.empty_label.text().endswith(
        "Try a longer date range, clear the search, choose All users, choose All outcomes "
        "or choose All directions.")


def test_no_match_in_a_queue_tab_names_its_groups(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.QUEUE)
    bar = tab.filter_bar
    bar.targets.set_checked_keys({bar.targets.entries()[0][0]})
    bar.set_search_text("no such caller")
    assert settled(tab).view.empty_label.text().endswith(
        "Try a longer date range, clear the search or choose All queues.")
