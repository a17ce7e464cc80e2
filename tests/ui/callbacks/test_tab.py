"""The Callbacks tab: order, states, keys, search, sorting, export, accessibility."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.services.callbacktexts import ShownState, shown_state
from pbxdesk.store.callbackrules import WITHHELD, ItemState
from pbxdesk.ui.callbacks.model import COLUMNS, Column, Show
from pbxdesk.ui.callbacks.tab import SEARCH_MIN_WIDTH
from pbxdesk.ui.history.csvfile import CsvFlavour
from pbxdesk.ui.history.tab import EXPORT_TYPES
from tests.fixtures.callbacks import BOB_E164, JANE_E164
from tests.ui.callbacks.conftest import FORMULA_NAME, NAMED, OLD, QUEUED, TabEnv

OLD_E164, NAMED_E164, QUEUED_E164 = (f"+{n}" for n in (OLD, NAMED, QUEUED))


def press(qtbot: QtBot, env: TabEnv, key: Qt.Key) -> None:
    env.tab.table.setFocus()
    qtbot.keyClick(env.tab.table, key)


def select(env: TabEnv, number: str) -> None:
    row = env.tab.model.row_of(number)
    assert row is not None
    env.tab.table.setCurrentIndex(env.tab.model.index(row, 0))


def test_the_model_is_sound(qtmodeltester: object, tab_env: TabEnv) -> None:
    qtmodeltester.check(tab_env.tab.model)  # type: ignore[attr-defined]


def test_oldest_waiting_first_withheld_last_and_counts_on_the_buttons(tab_env: TabEnv) -> None:
    assert tab_env.numbers() == [OLD_E164, NAMED_E164, QUEUED_E164, JANE_E164, WITHHELD]
    bar = tab_env.tab.show_bar.buttons
    assert bar[Show.TO_DO].text() == "To call back (5)"
    assert bar[Show.CLOSED].text() == "Reached or done (1)"
    assert bar[Show.ALL].text() == "All (6)"
    model = tab_env.tab.model
    queued = model.index(2, COLUMNS.index(Column.STATE))
    assert model.data(queued) == "Tried"
    assert model.data(model.index(2, COLUMNS.index(Column.VIA))) == "Sales queue"
    assert model.data(model.index(4, 0)) == "Withheld / anonymous"
    assert model.data(model.index(0, 0)) == "(03) 9876 5001"  # formatted for the region
    assert tab_env.tab.current_item() is not None  # the first row is current


def test_d_marks_done_and_the_next_item_becomes_current(qtbot: QtBot, tab_env: TabEnv) -> None:
    select(tab_env, OLD_E164)
    press(qtbot, tab_env, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: OLD_E164 not in tab_env.numbers(), timeout=5000)
    item = tab_env.tab.current_item()
    assert item is not None
    assert item.number == NAMED_E164
    done = tab_env.service.worklist.by_number[OLD_E164]
    assert (done.state, done.closed_by) == (ItemState.DONE, "Mia Chen")
    assert tab_env.tab.show_bar.buttons[Show.CLOSED].text() == "Reached or done (2)"
    # O on it (shown under Reached or done) puts it back.
    tab_env.tab.show_bar.buttons[Show.CLOSED].click()
    select(tab_env, OLD_E164)
    press(qtbot, tab_env, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: tab_env.service.worklist.by_number[OLD_E164].state
                    is ItemState.OPEN, timeout=5000)


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_s_snoozes_n_notes_delete_says_not_needed(qtbot: QtBot, tab_env: TabEnv) -> None:
    select(tab_env, NAMED_E164)
    press(qtbot, tab_env, Qt.Key.Key_S)
    menu = tab_env.tab.snooze_menu
    qtbot.waitUntil(menu.isVisible, timeout=3000)
    labels = [action.text() for action in menu.actions()]
    assert labels[0].startswith("Later today (")
    assert labels[1].startswith("Tomorrow morning (")
    menu.actions()[0].trigger()
    menu.close()
    qtbot.waitUntil(lambda: tab_env.service.worklist.by_number[NAMED_E164].snooze_until_us
                    > 0, timeout=5000)
    snoozed = tab_env.service.worklist.by_number[NAMED_E164]
    later = tab_env.line.now + timedelta(hours=3)
    assert later.timestamp() * 1e6 <= snoozed.snooze_until_us <= (
        later + timedelta(minutes=15)).timestamp() * 1e6
    assert shown_state(snoozed, tab_env.service.now_us()) is ShownState.SNOOZED
    assert NAMED_E164 not in tab_env.numbers()

    select(tab_env, QUEUED_E164)
    press(qtbot, tab_env, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: tab_env.service.worklist.by_number[QUEUED_E164].note
                    == "Call after 3", timeout=5000)
    assert tab_env.dialogs.asked[-1] == "note:0412 000 003:"
    model = tab_env.tab.model
    row = model.row_of(QUEUED_E164)
    assert row is not None
    assert "Note: Call after 3" in model.data(model.index(row, COLUMNS.index(Column.STATUS)))

    press(qtbot, tab_env, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: tab_env.service.worklist.by_number[QUEUED_E164].state
                    is ItemState.NOT_NEEDED, timeout=5000)
    assert tab_env.service.worklist.by_number[QUEUED_E164].note == "Wrong number"
    # Cancelled questions change nothing.
    tab_env.dialogs.reason = None
    select(tab_env, JANE_E164)
    press(qtbot, tab_env, Qt.Key.Key_Delete)
    assert tab_env.dialogs.asked[-1].startswith("not_needed:")
    assert tab_env.line.store.callback_records.records(JANE_E164) == []


def test_enter_calls_back_through_the_pad_and_claims_the_item(qtbot: QtBot,
                                                              tab_env: TabEnv) -> None:
    select(tab_env, QUEUED_E164)
    press(qtbot, tab_env, Qt.Key.Key_Return)
    assert tab_env.called == [QUEUED]  # the number as the PBX sent it
    qtbot.waitUntil(lambda: tab_env.service.worklist.by_number[QUEUED_E164].claim_us > 0,
                    timeout=5000)
    model = tab_env.tab.model
    row = model.row_of(QUEUED_E164)
    assert row is not None
    status = model.data(model.index(row, COLUMNS.index(Column.STATUS)))
    assert status.startswith("You are calling back (just now)")
    # A withheld caller cannot be called back: the status bar says so, nothing is dialled.
    messages: list[str] = []
    tab_env.tab.sig_status_message.connect(messages.append)
    select(tab_env, WITHHELD)
    press(qtbot, tab_env, Qt.Key.Key_Enter)
    assert tab_env.called == [QUEUED]
    assert messages == ["Withheld and anonymous callers cannot be called back"]
    assert not tab_env.tab.call_button.isEnabled()


def test_search_by_number_in_any_format_or_part_of_a_name(qtbot: QtBot,
                                                          tab_env: TabEnv) -> None:
    for text, found in (("0412 000 003", [QUEUED_E164]), ("+61 3 9876 5001", [OLD_E164]),
                        ("zoe angstrom", [NAMED_E164]), ("SALES", [QUEUED_E164]),
                        ("0499", [])):
        tab_env.tab.search.setText(text)
        qtbot.waitUntil(lambda found=found: tab_env.numbers() == found, timeout=3000)
    assert tab_env.tab.table.empty_label.isVisible()
    tab_env.tab.search.clear()
    qtbot.waitUntil(lambda: len(tab_env.numbers()) == 5, timeout=3000)


def test_sorting_by_a_column_and_showing_all_states(qtbot: QtBot, tab_env: TabEnv) -> None:
    tab_env.tab.show_bar.buttons[Show.ALL].click()
    assert len(tab_env.numbers()) == 6
    assert tab_env.numbers()[-1] == BOB_E164  # reached: after the waiting ones
    tab_env.tab.table.sortByColumn(COLUMNS.index(Column.NAME), Qt.SortOrder.DescendingOrder)
    assert tab_env.numbers()[:2] == [NAMED_E164, JANE_E164]  # "zoe…", "=hyperlink…"
    model = tab_env.tab.model
    row = model.row_of(BOB_E164)
    assert row is not None
    assert model.data(model.index(row, COLUMNS.index(Column.STATUS))) == \
        f"Reached: Ana Silva called back at {model.moment_text(model.items()[row].closed_us)}"


def test_show_item_finds_it_even_when_filtered_out(tab_env: TabEnv) -> None:
    tab_env.tab.search.setText("zoe")
    tab_env.tab.show_item(BOB_E164)
    item = tab_env.tab.current_item()
    assert item is not None
    assert item.number == BOB_E164
    assert tab_env.tab.show_bar.chosen is Show.ALL
    assert tab_env.tab.table.hasFocus() or not tab_env.tab.isActiveWindow()


def test_export_writes_the_shown_items_as_the_history_export_does(qtbot: QtBot,
                                                                  tab_env: TabEnv) -> None:
    messages: list[str] = []
    tab_env.tab.sig_status_message.connect(messages.append)
    path = tab_env.files.path
    assert path is not None

    # For spreadsheets (offered first, as in the history): titles in words, numbers kept.
    tab_env.tab.export_csv()
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert messages == ["Exported 5 callbacks to worklist.csv"]
    assert tab_env.files.offered[0] == EXPORT_TYPES[CsvFlavour.SPREADSHEET]
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:5] == ["Caller (international)", "Caller", "Caller name", "State", "Calls"]
    assert rows[1][:2] == [f'="{OLD_E164}"', f'="{OLD}"']

    # For scripts: the field names, values as stored; and the choice is remembered.
    tab_env.files.type_index = 1
    messages.clear()
    tab_env.tab.export_csv()
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    rows = list(csv.reader(path.read_bytes().decode("utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["number_e164", "caller_id", "caller_name", "state", "attempts"]
    assert [row[0] for row in body] == [OLD_E164, NAMED_E164, QUEUED_E164, JANE_E164, ""]
    jane = dict(zip(header, body[3], strict=True))
    assert jane["caller_name"] == "'" + FORMULA_NAME  # never run as a formula
    assert jane["first_attempt"].endswith("Z")
    assert jane["state"] == "Open"
    queued = dict(zip(header, body[2], strict=True))
    assert (queued["through"], queued["call_backs"], queued["state"]) == (
        "Sales queue", "1", "Tried")
    tab_env.files.type_index = 0
    tab_env.tab.export_csv()
    assert tab_env.files.offered[0] == EXPORT_TYPES[CsvFlavour.API]  # the last one chosen

    # A folder that cannot be written: an error that says so, and no file.
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=5000)
    tab_env.files.path = path.parent / "missing" / "x.csv"
    tab_env.tab.export_csv()
    qtbot.waitUntil(lambda: bool(tab_env.files.errors), timeout=5000)
    assert "that folder does not exist" in tab_env.files.errors[0]


def test_everything_has_a_name_for_screen_readers(tab_env: TabEnv) -> None:
    tab = tab_env.tab
    for widget in (tab, tab.table, tab.search, tab.export_button, tab.call_button,
                   tab.done_button, tab.snooze_button, tab.not_needed_button, tab.note_button,
                   tab.reopen_button, tab.detail, *tab.show_bar.buttons.values()):
        assert widget.accessibleName(), widget
    assert "D marks done" in tab.table.accessibleDescription()
    model = tab.model
    assert model.data(model.index(0, COLUMNS.index(Column.STATE)),
                      Qt.ItemDataRole.AccessibleTextRole) == "State: Open"
    assert tab.detail.text().startswith("(03) 9876 5001 called at ")


def test_half_a_screen_wraps_the_top_row_and_keeps_the_search_usable(
        qtbot: QtBot, tab_env: TabEnv) -> None:
    tab = tab_env.tab

    def place(widget: QWidget) -> QRect:
        return QRect(widget.mapTo(tab, QPoint(0, 0)), widget.size())

    tab.resize(620, 600)  # the tab's share of a 960 px window with the dial pad open
    tab.show()
    qtbot.waitUntil(lambda: tab.search.width() >= SEARCH_MIN_WIDTH, timeout=2000)
    search, show_bar, export = (place(w) for w in (tab.search, tab.show_bar,
                                                   tab.export_button))
    assert show_bar.left() > search.right()  # the states follow the search on its row
    assert export.top() > search.bottom()  # Export went to a second row
    assert export.right() < tab.width()
    tab.resize(1300, 600)  # wide: one row again
    qtbot.waitUntil(lambda: place(tab.export_button).top() < place(tab.search).bottom(),
                    timeout=2000)
