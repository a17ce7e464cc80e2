"""Sorting by clicking headers (against Python-sorted truth), paging, page keys, reload."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall, CallKind, UserCall
from pbxdesk.store import CallStore, Sort, SortColumn
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import Field
from tests.ui.history.conftest import MakeTab
from tests.ui.history.helpers import (
    all_calls,
    between,
    key_click,
    mouse_click,
    page_calls,
    page_keys,
    settled,
)


def nocase(text: str | None) -> str:
    """SQLite's NOCASE: ASCII letters fold, nothing else does."""
    return "".join(ch.lower() if ch.isascii() else ch for ch in text or "")


def moment(value: datetime | None) -> float:
    return -1.0 if value is None else value.timestamp()


SORT_KEYS: dict[Field, Callable[[AnyCall], Any]] = {
    Field.START: lambda call: moment(call.call_start_at),
    Field.CALLER: lambda call: call.caller_id or "",
    Field.CALLER_NAME: lambda call: nocase(call.caller_name),
    Field.DESTINATION: lambda call: call.dest_number or "",
    Field.USER: lambda call: nocase(call.user_name),
    Field.EXTENSION: lambda call: call.user_number or "",
    Field.ANSWERED: lambda call: moment(call.connected_at),
    Field.DURATION: lambda call: -1 if call.call_duration is None else call.call_duration,
    Field.TALK_TIME: lambda call: (-1 if call.conversation_duration is None
                                   else call.conversation_duration),
    Field.CALL_ID: lambda call: call.unique_call_id or "",
    Field.GROUP: lambda call: nocase(call.group_name),
    Field.STATUS: lambda call: nocase(call.type if isinstance(call, UserCall)
                                      else call.status),
}


def click_header(qtbot: QtBot, tab: HistoryTab, field: Field) -> None:
    header: QHeaderView = tab.view.horizontalHeader()
    column = tab.model.column_of(field)
    position = QPoint(header.sectionViewportPosition(column) + 6, header.height() // 2)
    mouse_click(qtbot, header.viewport(), position)


@pytest.mark.parametrize(("kind", "field", "first_descending"), [
    (CallKind.USER, Field.CALLER_NAME, False),
    (CallKind.USER, Field.DURATION, True),
    (CallKind.USER, Field.STATUS, False),
    (CallKind.USER, Field.ANSWERED, True),
    (CallKind.QUEUE, Field.GROUP, False),
    (CallKind.QUEUE, Field.STATUS, False),
    (CallKind.RING_GROUP, Field.EXTENSION, False),
    (CallKind.RING_GROUP, Field.CALLER, False),
])
def test_clicking_a_header_sorts_in_both_directions(
        make_tab: MakeTab, qtbot: QtBot, truth: dict[CallKind, list[AnyCall]],
        kind: CallKind, field: Field, first_descending: bool) -> None:
    tab = make_tab(kind)
    tab.paging.page_size.setCurrentText("1,000")
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    key = SORT_KEYS[field]
    expected = sorted(key(call) for call in between(truth[kind], flt.start, flt.end))
    descending = first_descending
    for _click in range(2):
        settled(tab).model.set_page(2)  # a click goes back to page 1
        click_header(qtbot, settled(tab), field)
        assert settled(tab).model.page == 0
        column = tab.model.columns[tab.model.column_of(field)].sort
        assert tab.model.sort_order == Sort(column, descending)
        shown = [key(call) for call in all_calls(tab)]
        assert shown == (expected[::-1] if descending else expected)
        descending = not descending


def test_date_column_sorts_newest_or_oldest_first(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    assert tab.model.sort_order == Sort(SortColumn.START, descending=True)  # the default
    newest = page_calls(tab)[0].call_start_at
    click_header(qtbot, tab, Field.START)
    assert tab.model.sort_order == Sort(SortColumn.START, descending=False)
    oldest = page_calls(tab)[0].call_start_at
    assert oldest is not None
    assert newest is not None
    assert oldest < newest
    starts = [call.call_start_at for call in page_calls(tab)]
    assert starts == sorted(starts)  # type: ignore[type-var]
    flt = tab.current_filter()
    assert flt.start is not None
    assert oldest >= flt.start


def test_paging_buttons_and_label(make_tab: MakeTab, truth: dict[CallKind, list[AnyCall]]
                                  ) -> None:
    tab = make_tab(CallKind.USER)
    paging = tab.paging
    flt = tab.current_filter()
    assert flt.start is not None
    assert flt.end is not None
    total = len(between(truth[CallKind.USER], flt.start, flt.end))
    pages = -(-total // 100)
    assert total > 1000  # the label needs a thousands separator
    assert not paging.first.isEnabled()
    assert not paging.previous.isEnabled()
    assert paging.next.isEnabled()
    assert paging.last.isEnabled()
    first_page = page_keys(tab)
    paging.next.click()
    assert settled(tab).paging.label.text() == f"Rows 101–200 of {total:,}"
    assert set(page_keys(tab)).isdisjoint(first_page)
    assert paging.first.isEnabled()
    assert paging.previous.isEnabled()
    paging.last.click()
    last_rows = total - (pages - 1) * 100
    assert settled(tab).model.rowCount() == last_rows
    assert paging.label.text() == f"Rows {(pages - 1) * 100 + 1:,}–{total:,} of {total:,}"
    assert not paging.next.isEnabled()
    assert not paging.last.isEnabled()
    paging.previous.click()
    assert settled(tab).model.page == pages - 2
    paging.first.click()
    assert page_keys(tab) == first_page
    assert paging.label.text() == f"Rows 1–100 of {total:,}"


def test_page_size_keeps_the_first_row_in_view(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    sizes = [tab.paging.page_size.itemData(i) for i in range(tab.paging.page_size.count())]
    assert sizes == [50, 100, 250, 500, 1000]
    settled(tab).model.set_page(3)  # rows 301-400
    settled(tab).paging.page_size.setCurrentText("250")
    assert settled(tab).model.page_size == 250
    assert tab.model.page == 1  # rows 251-500 hold row 301
    assert tab.model.rowCount() == 250
    assert tab.paging.label.text().startswith("Rows 251–500 of ")


def test_keyboard_flips_pages_and_page_keys_move_within_a_page(make_tab: MakeTab,
                                                               qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    view = tab.view
    view.setFocus()
    view.setCurrentIndex(tab.model.index(10, 2))
    key_click(qtbot, view, Qt.Key.Key_PageDown)
    assert tab.model.page == 0
    assert view.currentIndex().row() > 10
    key_click(qtbot, view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert settled(tab).model.page == 1
    assert (view.currentIndex().row(), view.currentIndex().column()) == (0, 2)
    key_click(qtbot, view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert settled(tab).model.page == 2
    key_click(qtbot, view, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert settled(tab).model.page == 1
    assert view.currentIndex().row() == 99  # backwards lands on the last row
    key_click(qtbot, view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    key_click(qtbot, view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert settled(tab).model.page == 0  # no page before the first


def test_reload_keeps_filter_sort_page_and_selection(make_tab: MakeTab, store: CallStore,
                                                     qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.outcome.setCurrentText("Answered")
    settled(tab).model.set_page(1)
    flt, sort, total = tab.current_filter(), settled(tab).model.sort_order, tab.model.total
    # Through the selection model: the view's own commands read the keyboard modifiers,
    # which earlier tests' synthetic Ctrl/Alt key clicks can leave behind.
    selection = tab.view.selectionModel()
    flag = QItemSelectionModel.SelectionFlag
    selection.select(tab.model.index(5, 0), flag.ClearAndSelect | flag.Rows)
    selection.setCurrentIndex(tab.model.index(5, 3), flag.NoUpdate)
    selected = page_keys(tab)[5]
    now = datetime.now(UTC)
    new_calls = [UserCall(
        unique_call_id=f"99600000000{i}", type="user_inbound_answered",
        caller_id="61412000999", caller_name="New Caller", dest_number="61290000000",
        user_name="Liam Scott", user_number="1020",
        call_start_at=now - timedelta(minutes=i + 1), connected_at=now - timedelta(minutes=i),
        call_duration=70, conversation_duration=60) for i in range(3)]
    store.upsert(new_calls)
    tab.reload()
    settled(tab)
    assert tab.current_filter() == flt
    assert tab.model.sort_order == sort
    assert tab.model.page == 1
    assert tab.model.total == total + 3
    # The three newer calls pushed the selected call down three rows; it stays selected.
    assert page_keys(tab)[8] == selected
    assert [index.row() for index in tab.view.selectionModel().selectedRows()] == [8]
    assert tab.view.currentIndex().row() == 8
    assert tab.view.currentIndex().column() == 3


def test_rows_are_read_in_blocks_that_outlive_a_page_flip(
        make_tab: MakeTab, store: CallStore, monkeypatch: pytest.MonkeyPatch) -> None:
    tab = make_tab(CallKind.USER)
    model = tab.model
    reads: list[tuple[int, int]] = []
    real_page = store.page

    def spy(*args: Any, **kwargs: Any) -> list[AnyCall]:
        reads.append((args[2], args[3]))  # offset, limit
        return real_page(*args, **kwargs)

    monkeypatch.setattr(store, "page", spy)
    model.reload()  # forget what the first paint read
    settled(tab)  # (read on the worker thread)
    assert all(model.call_at(row) for row in range(100))
    assert reads == [(0, 256)]  # one block for the whole page
    model.set_page(1)
    assert not model.loading  # shown at once, from the rows held
    second = [model.call_at(row) for row in range(100)]
    assert reads == [(0, 256)]  # rows 101-200 came from the block already read
    fresh = real_page(model.call_filter, model.sort_order, 100, 100)
    assert [call.key for call in second if call] == [call.key for call in fresh]
    model.set_page(2)
    settled(tab)
    model.call_at(99)  # row 300 is in the next block
    assert reads == [(0, 256), (256, 256)]
    model.set_sort(Sort(SortColumn.CALLER, descending=False))
    settled(tab)
    model.call_at(0)
    assert reads[-1] == (0, 256)  # a new order reads afresh
