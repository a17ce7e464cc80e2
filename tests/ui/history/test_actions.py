"""Row actions: call back (Enter, double-click, menu), copy number, copy call id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import AnyCall, CallKind, Direction, GroupCall, UserCall
from pbxdesk.ui.history import HistoryTab
from tests.ui.history.conftest import ANONYMOUS_CALL_ID, MakeTab, RecordingDialogs
from tests.ui.history.helpers import (
    key_click,
    mouse_click,
    mouse_double_click,
    page_calls,
)


def select_row(tab: HistoryTab, test: Callable[[AnyCall], bool]) -> tuple[int, AnyCall]:
    """Make the first row whose call passes ``test`` current; returns it."""
    for row, call in enumerate(page_calls(tab)):
        if test(call):
            index = tab.model.index(row, 1)
            flag = QItemSelectionModel.SelectionFlag
            tab.view.selectionModel().setCurrentIndex(index, flag.ClearAndSelect | flag.Rows)
            return row, call
    raise AssertionError("no such row on the first page")


def inbound_mobile(call: AnyCall) -> bool:
    return (isinstance(call, UserCall) and call.direction is Direction.INBOUND
            and (call.caller_id or "").startswith("614"))


def outbound_to_a_number(call: AnyCall) -> bool:
    return (isinstance(call, UserCall) and call.direction is Direction.OUTBOUND
            and len(call.dest_number or "") > 6)


def test_copy_number_copies_e164_of_the_other_party(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    _row, call = select_row(tab, inbound_mobile)
    assert call.caller_e164 == f"+{call.caller_id}"
    actions = tab.row_actions
    assert actions.copy_number.isEnabled()
    with qtbot.waitSignal(tab.sig_status_message) as message:
        actions.copy_number.trigger()
    assert QGuiApplication.clipboard().text() == call.caller_e164
    assert message.args == [f"Copied {call.caller_e164}"]
    _row, outbound = select_row(tab, outbound_to_a_number)
    actions.copy_number.trigger()
    assert QGuiApplication.clipboard().text() == outbound.dest_e164 == f"+{outbound.dest_number}"


def test_copy_call_id(make_tab: MakeTab) -> None:
    tab = make_tab(CallKind.USER)
    _row, call = select_row(tab, lambda call: bool(call.unique_call_id))
    tab.row_actions.copy_call_id.trigger()
    assert QGuiApplication.clipboard().text() == call.unique_call_id


def test_ctrl_c_in_the_table_copies_the_number(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    _row, call = select_row(tab, inbound_mobile)
    tab.view.setFocus()
    QGuiApplication.clipboard().setText("something else")
    key_click(qtbot, tab.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == call.caller_e164


def test_enter_calls_back_the_caller_of_an_inbound_call(make_tab: MakeTab,
                                                       qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    _row, call = select_row(tab, inbound_mobile)
    tab.view.setFocus()
    with qtbot.waitSignal(tab.sig_call_back_requested) as request:
        key_click(qtbot, tab.view, Qt.Key.Key_Return)
    assert request.args == [call.caller_id]  # the raw API value


def test_double_click_calls_back_the_destination_of_an_outbound_call(
        make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    row, call = select_row(tab, outbound_to_a_number)
    tab.view.scrollTo(tab.model.index(row, 1))
    rect = tab.view.visualRect(tab.model.index(row, 1))
    # A real double-click is a click, then a double-click event (QTest sends only the latter).
    mouse_click(qtbot, tab.view.viewport(), rect.center())
    with qtbot.waitSignal(tab.sig_call_back_requested) as request:
        mouse_double_click(qtbot, tab.view.viewport(), rect.center())
    assert request.args == [call.dest_number]


def test_group_call_back_is_the_caller(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.RING_GROUP)
    _row, call = select_row(tab, lambda call: isinstance(call, GroupCall)
                            and bool(call.caller_id))
    with qtbot.waitSignal(tab.sig_call_back_requested) as request:
        tab.row_actions.call_back.trigger()
    assert request.args == [call.caller_id]


def test_internal_call_back_dials_the_other_extension(make_tab: MakeTab,
                                                      qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    tab.filter_bar.direction.setCurrentText("Internal")  # type: ignore[union-attr]
    # The user took a call from a colleague: the colleague's extension is called back.
    _row, call = select_row(tab, lambda call: call.dest_number == call.user_number)
    assert call.caller_id is not None
    assert len(call.caller_id) <= 6
    with qtbot.waitSignal(tab.sig_call_back_requested) as request:
        tab.row_actions.call_back.trigger()
    assert request.args == [call.caller_id]
    tab.row_actions.copy_number.trigger()
    assert QGuiApplication.clipboard().text() == call.caller_id


def test_a_withheld_number_cannot_be_called_back(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    _row, call = select_row(tab, lambda call: call.unique_call_id == ANONYMOUS_CALL_ID)
    assert call.caller_id == "anonymous"
    actions = tab.row_actions
    assert not actions.call_back.isEnabled()
    assert not actions.copy_number.isEnabled()
    assert actions.copy_call_id.isEnabled()
    tab.view.setFocus()
    with qtbot.assertNotEmitted(tab.sig_call_back_requested), \
            qtbot.waitSignal(tab.sig_status_message) as message:
        key_click(qtbot, tab.view, Qt.Key.Key_Return)
    assert message.args == ["This call has no number to call back"]


# The offscreen platform cannot raise a popup or grab the keyboard for it; it says so.
@pytest.mark.qt_log_ignore("This plugin does not support raise",
                           "This plugin does not support grabbing the keyboard")
def test_context_menu_names_the_number(make_tab: MakeTab, qtbot: QtBot) -> None:
    tab = make_tab(CallKind.USER)
    row, call = select_row(tab, inbound_mobile)
    tab.view.selectionModel().clearCurrentIndex()
    position = tab.view.visualRect(tab.model.index(row, 2)).center()
    tab.view.customContextMenuRequested.emit(position)
    menu = tab.row_actions.menu
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    texts = [action.text() for action in menu.actions()]
    assert texts == [f"Call back {tab.model.formatter.number(call.caller_id)}",
                     f"Copy number {call.caller_e164}", "Copy call ID", "", "Columns"]
    assert tab.view.currentIndex().row() == row  # the clicked row became current
    menu.close()


@pytest.mark.parametrize("kind", [CallKind.USER, CallKind.QUEUE])
def test_every_control_has_a_name_and_a_tooltip(make_tab: MakeTab, kind: CallKind) -> None:
    tab = make_tab(kind)
    controls = [*tab.filter_bar.tab_chain, tab.export_button, tab.columns_button,
                tab.paging.page_size, tab.paging.first, tab.paging.previous, tab.paging.next,
                tab.paging.last]
    for control in controls:
        assert control.accessibleName(), control
        assert control.toolTip(), control.accessibleName()
    assert tab.view.accessibleName() == "Calls"
    # Tab order runs left to right through the filters, then the table, then the row
    # under it (the columns, then paging).
    chain: list[QWidget] = []
    widget: QWidget | None = tab.filter_bar.preset
    while widget is not None and widget not in chain:
        chain.append(widget)
        widget = widget.nextInFocusChain()
    positions = [chain.index(control) for control in
                 [*tab.filter_bar.tab_chain, tab.export_button, tab.view, tab.columns_button,
                  tab.paging.page_size, tab.paging.first, tab.paging.previous,
                  tab.paging.next, tab.paging.last]]
    assert positions == sorted(positions)


def test_window_shortcuts_reach_the_tab(make_tab: MakeTab, dialogs: RecordingDialogs,
                                        qtbot: QtBot) -> None:
    # The main window owns Ctrl+F and Ctrl+E; the tab adds no binding of its own that
    # would make them ambiguous (Qt then triggers neither).
    tab = make_tab(CallKind.USER)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(tab)
    for keys, slot in (("Ctrl+F", tab.focus_search), ("Ctrl+E", tab.export_csv)):
        action = QAction(keys, window)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        window.addAction(action)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    tab.filter_bar.search.setText("0412")
    tab.view.setFocus()
    key_click(qtbot, tab.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.filter_bar.search
    assert tab.filter_bar.search.selectedText() == "0412"  # typing replaces the old search
    key_click(qtbot, tab.view, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert len(dialogs.asked) == 1  # export asked where to save (the fake says "cancel")
    assert dialogs.asked[0].name.startswith("user-calls-")
