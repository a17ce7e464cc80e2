"""Choosing, moving and resizing the history table's columns, and keeping that per
call kind in the account's store across restarts."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.store import CallStore, StoreFullError
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import NAME_FIELDS, Field, columns_for
from pbxdesk.ui.history.csvfile import CsvFlavour
from pbxdesk.ui.history.csvfile import header as csv_header
from pbxdesk.ui.history.headerstate import STATE_VERSION, state_key
from pbxdesk.ui.history.tab import EXPORT_TYPES
from pbxdesk.ui.history.view import NAME_MIN_WIDTH
from tests.ui.history.conftest import MakeTab, RecordingDialogs
from tests.ui.history.helpers import key_click, page_calls

# The offscreen platform cannot raise a popup or grab the keyboard for it; it says so.
popups = pytest.mark.qt_log_ignore("This plugin does not support raise",
                                   "This plugin does not support grabbing the keyboard")


def header_of(tab: HistoryTab) -> QHeaderView:
    return tab.view.horizontalHeader()


def shown_fields(tab: HistoryTab) -> list[Field]:
    """The fields of the shown columns, left to right."""
    header = header_of(tab)
    logicals = [header.logicalIndex(visual) for visual in range(header.count())]
    return [tab.model.columns[logical].field for logical in logicals
            if not header.isSectionHidden(logical)]


def all_fields(kind: CallKind) -> list[Field]:
    return [column.field for column in columns_for(kind)]


def toggle(tab: HistoryTab, field: Field) -> None:
    """Click the column's entry in the column menu."""
    tab.column_menu.toggles[tab.model.column_of(field)].trigger()


def widths(tab: HistoryTab) -> dict[Field, int]:
    header = header_of(tab)
    return {column.field: header.sectionSize(logical)
            for logical, column in enumerate(tab.model.columns)}


def assert_default_layout(tab: HistoryTab) -> None:
    header = header_of(tab)
    assert shown_fields(tab) == all_fields(tab.kind)
    for logical, column in enumerate(tab.model.columns):
        if column.field in NAME_FIELDS:  # they share the free width
            assert header.sectionSize(logical) >= NAME_MIN_WIDTH
        else:
            assert header.sectionSize(logical) == tab.view.column_width(column), column
    assert header.length() >= tab.view.viewport().width()  # no gap at the right
    assert all(action.isChecked() for action in tab.column_menu.toggles)
    assert header.sortIndicatorSection() == 0
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def wait_saved(tab: HistoryTab, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not tab.header_memory.save_pending(), timeout=3000)


@popups
def test_the_header_menu_lists_every_column_and_toggles_it(make_tab: MakeTab,
                                                           qtbot: QtBot) -> None:
    tab = make_tab(CallKind.QUEUE)
    header = header_of(tab)
    menu = tab.column_menu.menu
    header.customContextMenuRequested.emit(QPoint(20, 5))  # a right-click on a title
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    titles = [column.title for column in columns_for(CallKind.QUEUE)]
    assert [action.text() for action in menu.actions()] == [*titles, "", "Reset columns"]
    assert all(action.isCheckable() and action.isChecked()
               for action in menu.actions()[:len(titles)])
    assert menu.accessibleName() == "Choose columns"

    answered = tab.model.column_of(Field.ANSWERED)
    width = header.sectionSize(answered)
    toggle(tab, Field.ANSWERED)
    assert header.isSectionHidden(answered)
    assert not tab.column_menu.toggles[answered].isChecked()
    assert Field.ANSWERED not in shown_fields(tab)
    assert menu.isVisible()  # still open for the next tick
    toggle(tab, Field.ANSWERED)
    assert not header.isSectionHidden(answered)
    assert header.sectionSize(answered) == width
    menu.close()


@popups
def test_the_menu_follows_the_order_the_columns_were_dragged_into(make_tab: MakeTab,
                                                                  qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    header = header_of(tab)
    assert header.sectionsMovable()
    duration = tab.model.column_of(Field.DURATION)
    header.moveSection(header.visualIndex(duration), 1)  # what dragging its title does
    tab.columns_button.click()
    menu = tab.column_menu.menu
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    assert [action.text() for action in menu.actions()][:3] == ["Start", "Duration", "Type"]
    menu.close()


def test_reset_shows_every_column_in_its_first_order_and_width(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    header = header_of(tab)
    toggle(tab, Field.CALL_ID)
    toggle(tab, Field.CALLER_NAME)
    header.moveSection(header.visualIndex(tab.model.column_of(Field.TALK_TIME)), 0)
    header.resizeSection(tab.model.column_of(Field.CALLER), 321)
    assert shown_fields(tab)[0] is Field.TALK_TIME
    assert len(shown_fields(tab)) == len(all_fields(CallKind.USER)) - 2

    tab.column_menu.reset.trigger()

    assert_default_layout(tab)
    assert all(action.isEnabled() for action in tab.column_menu.toggles)


def test_the_layout_survives_a_restart_per_call_kind(make_tab: MakeTab, qtbot: QtBot,
                                                     store: CallStore) -> None:
    tab = make_tab(CallKind.USER)
    header = header_of(tab)
    toggle(tab, Field.CALL_ID)
    toggle(tab, Field.ANSWERED)
    header.moveSection(header.visualIndex(tab.model.column_of(Field.DURATION)), 1)
    header.resizeSection(tab.model.column_of(Field.CALLER), 230)
    # Debounced: nothing is written while the user is still dragging.
    assert tab.header_memory.save_pending()
    assert store.values.get(state_key(CallKind.USER)) is None
    wait_saved(tab, qtbot)
    stored = store.values.get(state_key(CallKind.USER))
    assert stored["version"] == STATE_VERSION
    assert stored["columns"] == [field.value for field in all_fields(CallKind.USER)]
    expected_fields, expected_widths = shown_fields(tab), widths(tab)
    tab.close()

    again = make_tab(CallKind.USER)  # the next start of the app, on the same store
    assert shown_fields(again) == expected_fields
    assert shown_fields(again)[:3] == [Field.START, Field.DURATION, Field.STATUS]
    assert widths(again)[Field.CALLER] == 230
    assert widths(again) == expected_widths
    assert not again.column_menu.toggles[again.model.column_of(Field.CALL_ID)].isChecked()
    # Always opened newest first, whatever sort the saved state carried.
    assert header_of(again).sortIndicatorSection() == 0
    assert again.model.rowCount() > 0
    # Other kinds keep their own layout.
    assert_default_layout(make_tab(CallKind.QUEUE))


def test_a_pending_save_is_written_when_the_tab_goes(make_tab: MakeTab,
                                                     store: CallStore) -> None:
    tab = make_tab(CallKind.RING_GROUP)
    toggle(tab, Field.GROUP)
    assert tab.header_memory.save_pending()
    tab.hide()  # as when the main window removes the tabs of an account it closes
    assert not tab.header_memory.save_pending()
    assert Field.GROUP not in shown_fields(make_tab(CallKind.RING_GROUP))


def test_hidden_columns_stay_hidden_across_pages_and_filters(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    toggle(tab, Field.CALLER_NAME)
    before = shown_fields(tab)
    assert tab.model.set_page(1)  # the model is reset for each page
    tab.filter_bar.set_search_text("04")
    assert shown_fields(tab) == before


def _damaged_values(kind: CallKind) -> list[Any]:
    fields = [field.value for field in all_fields(kind)]
    # The order before Duration and Talk time moved ahead of Answered.
    old_order = [*fields[:-4], "answered", "duration", "talk_time", "call_id"]
    return [
        "not a layout",
        {"version": STATE_VERSION, "columns": fields, "state": "%%% not base64 %%%"},
        {"version": STATE_VERSION, "columns": fields,
         "state": base64.b64encode(b"\x00\x01 random bytes, not a header").decode()},
        {"version": STATE_VERSION, "columns": fields, "state": ""},
        {"version": STATE_VERSION + 1, "columns": fields, "state": "AAAA"},
        {"version": STATE_VERSION, "columns": old_order, "state": "AAAA"},
    ]


@pytest.mark.parametrize("value", _damaged_values(CallKind.USER))
def test_a_damaged_or_old_layout_gives_the_defaults(make_tab: MakeTab, store: CallStore,
                                                    value: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    store.values.set(state_key(CallKind.USER), value)
    with caplog.at_level(logging.WARNING, logger="pbxdesk.ui"):
        tab = make_tab(CallKind.USER)
    assert_default_layout(tab)
    assert any("column layout" in record.getMessage() for record in caplog.records)
    assert tab.model.rowCount() > 0
    # The next change replaces the damaged entry.
    toggle(tab, Field.CALL_ID)
    tab.header_memory.flush()
    assert store.values.get(state_key(CallKind.USER))["state"] != "AAAA"


def test_a_layout_from_another_builds_columns_gives_the_defaults(
        make_tab: MakeTab, store: CallStore, caplog: pytest.LogCaptureFixture) -> None:
    # A real header state, saved for an order of columns this build does not have.
    tab = make_tab(CallKind.USER)
    toggle(tab, Field.ANSWERED)
    tab.header_memory.flush()
    stored = store.values.get(state_key(CallKind.USER))
    tab.close()
    stored["columns"] = [*stored["columns"][:-1], "recording_url"]
    store.values.set(state_key(CallKind.USER), stored)
    with caplog.at_level(logging.WARNING, logger="pbxdesk.ui"):
        again = make_tab(CallKind.USER)
    assert_default_layout(again)
    assert "saved for other columns" in caplog.text


def test_a_layout_hiding_every_column_gives_the_defaults(
        make_tab: MakeTab, store: CallStore, caplog: pytest.LogCaptureFixture) -> None:
    tab = make_tab(CallKind.USER)
    header = header_of(tab)
    for logical in range(header.count()):  # not possible from the menu
        header.hideSection(logical)
    tab.header_memory.save()
    tab.close()
    with caplog.at_level(logging.WARNING, logger="pbxdesk.ui"):
        again = make_tab(CallKind.USER)
    assert_default_layout(again)
    assert "hides every column" in caplog.text


def test_the_last_shown_column_cannot_be_hidden(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    header = header_of(tab)
    for field in all_fields(CallKind.USER)[1:]:
        toggle(tab, field)
    assert shown_fields(tab) == [Field.START]
    start = tab.column_menu.toggles[tab.model.column_of(Field.START)]
    assert start.isChecked()
    assert not start.isEnabled()
    start.trigger()  # a disabled entry does nothing
    assert not tab.column_menu.set_shown(tab.model.column_of(Field.START), False)
    assert shown_fields(tab) == [Field.START]
    assert start.isChecked()
    assert header.hiddenSectionCount() == header.count() - 1
    toggle(tab, Field.CALLER)  # a second shown column frees the first again
    assert start.isEnabled()
    assert shown_fields(tab) == [Field.START, Field.CALLER]


@popups
def test_the_columns_button_opens_the_menu_from_the_keyboard(make_tab: MakeTab,
                                                             qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    button = tab.columns_button
    assert button.accessibleName() == "Choose columns"
    assert button.toolTip()
    button.setFocus(Qt.FocusReason.TabFocusReason)
    menu = tab.column_menu.menu
    key_click(qtbot, button, Qt.Key.Key_Space)
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    # Down to the first entry (Start), on to the second (Type), Space unticks it.
    key_click(qtbot, menu, Qt.Key.Key_Down)
    assert menu.activeAction() is tab.column_menu.toggles[0]
    key_click(qtbot, menu, Qt.Key.Key_Down)
    key_click(qtbot, menu, Qt.Key.Key_Space)
    assert Field.STATUS not in shown_fields(tab)
    assert menu.isVisible()
    key_click(qtbot, menu, Qt.Key.Key_Escape)
    assert not menu.isVisible()


@popups
def test_the_table_context_menu_offers_the_columns(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    # What the menu key (or a right-click) on the table sends.
    tab.view.customContextMenuRequested.emit(QPoint(10, 10))
    row_menu = tab.row_actions.menu
    qtbot.waitUntil(row_menu.isVisible, timeout=2000)
    entry = row_menu.actions()[-1]
    assert entry.text() == "Columns"
    assert entry.menu() is tab.column_menu.menu
    row_menu.close()


def fill(store: CallStore, size: int) -> None:
    """Add values of ``size`` characters until the store is full.

    The keys sort right after the user tab's layout key, so the b-tree page the
    layout would go into fills up too (what else the store holds moves the pages).
    """
    for number in range(10_000):
        try:
            store.values.set(f"{state_key(CallKind.USER)}.filler.{size}.{number}", "x" * size)
        except StoreFullError:
            return
    pytest.fail("the store never filled up")


def test_a_full_disk_costs_the_layout_not_the_session(
        make_tab: MakeTab, store: CallStore, caplog: pytest.LogCaptureFixture) -> None:
    tab = make_tab(CallKind.USER)
    tab.header_memory.flush()
    store.values.delete(state_key(CallKind.USER))  # the layout is a new entry, then
    conn = store._connections.conn()  # the only way to make a database "full"
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    try:
        for size in (2000, 200, 20):  # fill the free pages, then the gaps left in them
            fill(store, size)
        before = store.values.get(state_key(CallKind.USER))
        assert before is None
        with caplog.at_level(logging.WARNING, logger="pbxdesk.ui"):
            toggle(tab, Field.CALL_ID)
            tab.header_memory.flush()
        assert "Could not keep the column layout" in caplog.text
        assert Field.CALL_ID not in shown_fields(tab)  # the table goes on as asked
        assert store.values.get(state_key(CallKind.USER)) == before
        assert page_calls(tab)
    finally:
        conn.execute("PRAGMA max_page_count = 1073741823")
    toggle(tab, Field.CALLER_NAME)
    tab.header_memory.flush()  # with room again, the layout is kept
    assert store.values.get(state_key(CallKind.USER)) != before


def test_the_csv_export_has_every_field_whatever_the_table_shows(
        make_tab: MakeTab, dialogs: RecordingDialogs, qtbot: QtBot, tmp_path: Path) -> None:
    tab = make_tab(CallKind.QUEUE)
    for field in (Field.CALL_ID, Field.CALLER, Field.DURATION, Field.GROUP):
        toggle(tab, field)
    dialogs.save_paths = [tmp_path / "queue.csv"]
    dialogs.save_type = EXPORT_TYPES[CsvFlavour.API]
    with qtbot.waitSignal(tab.exporter.sig_finished, timeout=20_000):
        tab.export_csv()
    with (tmp_path / "queue.csv").open(encoding="utf-8-sig") as stream:
        first_line = stream.readline().strip()
    assert first_line.split(",") == csv_header(CallKind.QUEUE)
    assert {"unique_call_id", "callerid", "call_duration", "queue_name"} <= set(
        first_line.split(","))
