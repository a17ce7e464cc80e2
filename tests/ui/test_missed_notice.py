"""New missed calls are announced as callbacks waiting, naming the callers (a click opens
the first named in the Callbacks tab), and Show missed calls lists them newest first
whatever the tab was sorted by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller
from pbxdesk.paths import AppPaths
from pbxdesk.store import NEWEST_FIRST
from pbxdesk.ui.history import HistoryTab
from pbxdesk.ui.history.columns import Field
from tests.ui.controller import make_controller, start, stop
from tests.ui.history.helpers import settled

OFFSCREEN_TRAY_NOISE = "systemTrayWindowChanged"
# (call id, caller number, caller name, milliseconds after the agent last looked).
MISSED = (("990000000011", "61298765432", "Bob Jones", 10),
          ("990000000012", "61299990000", "Jane Citizen", 20),
          ("990000000013", "61412345678", None, 30))


def add_missed_calls(qtbot: QtBot, controller: Controller) -> None:
    session, demo = controller.session, controller.demo
    assert session is not None
    assert demo is not None
    mine = controller.settings.my_extension
    # Missed calls count from when the agent last looked (the first run: its start).
    looked = session.missed.seen_until()
    qtbot.waitUntil(lambda: datetime.now(UTC) > looked + timedelta(milliseconds=50))
    demo.sandbox.add_rows(CallKind.USER, [{
        "unique_call_id": call_id, "type": "user_inbound_missed", "caller_id": number,
        "caller_name": name, "dest_number": "61272013008", "user_name": "Me",
        "user_number": mine, "connected_at": None, "call_duration": 15,
        "conversation_duration": 0,
        "call_start_at": (looked + timedelta(milliseconds=after)).astimezone(UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z"),
    } for call_id, number, name, after in MISSED])
    finished = session.sync.last_result
    controller.window.refresh_action.trigger()
    qtbot.waitUntil(lambda: session.sync.last_result is not finished, timeout=10_000)
    qtbot.waitUntil(lambda: controller.desktop.tray.missed_count == len(MISSED), timeout=5000)
    qtbot.waitUntil(lambda: session.callbacks.idle, timeout=5000)


# The new callers, oldest first, then how many others wait (the demo's own).
NAMED = ("(02) 9876 5432 (Bob Jones) tried once, (02) 9999 0000 (Jane Citizen) tried once, "
         "0412 345 678 tried once")


def sort_by_caller_name(tab: HistoryTab) -> None:
    tab.view.sortByColumn(tab.model.column_of(Field.CALLER_NAME), Qt.SortOrder.AscendingOrder)
    assert tab.model.sort_order != NEWEST_FIRST


def assert_missed_newest_first(tab: HistoryTab) -> None:
    settled(tab)  # the history is read on a worker thread
    assert tab.model.sort_order == NEWEST_FIRST
    header = tab.view.horizontalHeader()
    assert header.sortIndicatorSection() == tab.model.column_of(Field.START)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    starts = [call.call_start_at for row in range(tab.model.rowCount())
              if (call := tab.model.call_at(row)) is not None]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.qt_log_ignore(OFFSCREEN_TRAY_NOISE)
def test_the_notification_names_the_callers_and_a_click_opens_the_first(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths,
        monkeypatch: pytest.MonkeyPatch) -> None:
    controller = make_controller(paths, demo=True, tray_available=True)
    start(qtbot, controller, synced=True)
    tray = controller.desktop.tray
    raw = tray._tray
    assert raw is not None
    shown: list[tuple[str, str]] = []
    real_show = raw.showMessage

    def recording(title: str, text: str, icon: QSystemTrayIcon.MessageIcon,
                  msecs: int) -> None:
        shown.append((title, text))
        real_show(title, text, icon, msecs)

    monkeypatch.setattr(raw, "showMessage", recording)
    window = controller.window
    tab = window.tabs_by_kind[CallKind.USER]
    sort_by_caller_name(tab)
    window.tabs.setCurrentIndex(1)  # the agent is elsewhere

    add_missed_calls(qtbot, controller)

    session = controller.session
    assert session is not None
    waiting = len(session.callbacks.worklist.waiting(session.callbacks.now_us()))
    assert len(shown) == 1
    title, text = shown[0]
    assert title == f"{waiting} callbacks waiting"
    assert text == (f"{NAMED} and {waiting - 3} more" if waiting > 3 else NAMED)
    assert tray.callback_count == waiting
    raw.messageClicked.emit()
    callbacks = window.callbacks_tab
    assert callbacks is not None
    assert window.tabs.currentWidget() is callbacks
    current = callbacks.current_item()
    assert current is not None
    assert current.number == "+61298765432"  # Bob, the first named
    stop(qtbot, controller)


def test_without_a_tray_the_status_bar_names_them_and_ctrl_m_lists_newest_first(
        qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    tab = window.tabs_by_kind[CallKind.USER]
    add_missed_calls(qtbot, demo_controller)
    assert f"callbacks waiting: {NAMED}" in window.status.currentMessage()
    sort_by_caller_name(tab)
    window.show_missed_action.trigger()  # Ctrl+M
    assert_missed_newest_first(tab)
    first = tab.model.call_at(0)
    assert first is not None
    assert first.unique_call_id == "990000000013"
