"""Callbacks through the whole app: the tab, the announcement, the tray, calling back.

The demo PBX on loopback takes the call-back requests and writes their rows into
its history; a refresh brings them into the store and the worklist.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import qasync
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller, Options
from pbxdesk.demo import DemoPbx
from pbxdesk.paths import AppPaths
from pbxdesk.services.sync import QUIET_SECONDS
from pbxdesk.store.callbackrules import WITHHELD, ItemState
from pbxdesk.ui.callbacks import CallbacksTab
from pbxdesk.ui.crash import CrashHandler
from tests.ui.controller import start, stop
from tests.ui.test_app_calls import pad_of

NEW = "61412345677"
NEW_E164 = "+61412345677"
OTHER = "61398760077"
OTHER_E164 = "+61398760077"


def refresh(qtbot: QtBot, controller: Controller) -> None:
    session = controller.session
    assert session is not None
    finished = session.sync.last_result
    controller.window.refresh_action.trigger()
    # A refresh seconds after the last one waits for the quiet seconds to end.
    qtbot.waitUntil(lambda: session.sync.last_result is not finished,
                    timeout=(QUIET_SECONDS + 10) * 1000)
    qtbot.waitUntil(lambda: session.callbacks.idle, timeout=10_000)


def busy_week() -> DemoPbx:
    """A demo with a week of a busy centre's calls: enough callers for every state."""
    return DemoPbx(calls=6000, days=7, live_traffic=False, clock_speed=1000.0)


def test_ctrl_4_shows_the_worklist_of_the_demo_with_every_state(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = Controller(Options(demo=True), paths, CrashHandler(None, show_dialog=False),
                            asyncio.Event(), demo_factory=busy_week, tray_available=False)
    start(qtbot, controller, synced=True)
    window = controller.window
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert isinstance(window.tabs.currentWidget(), CallbacksTab)
    session = controller.session
    assert session is not None
    # From the demo's own calls: callers waiting, tried and reached; from teammates'
    # records, arriving after the first sync as a relay would bring them: done, not
    # needed, a snooze and a claim.
    every = set(ItemState)
    qtbot.waitUntil(lambda: every == {item.state for item in session.callbacks.worklist.items},
                    timeout=15_000)
    items = session.callbacks.worklist.items
    assert any(item.claim_by for item in items)
    assert any(item.snooze_until_us > 0 for item in items)
    assert any(item.number == WITHHELD for item in items)  # the demo's withheld callers
    stop(qtbot, controller)


def test_a_new_missed_call_is_announced_and_calling_back_goes_through_the_pad(
        qtbot: QtBot, demo_controller: Controller) -> None:
    session, demo, window = demo_controller.session, demo_controller.demo, demo_controller.window
    assert session is not None
    assert demo is not None
    tray = demo_controller.desktop.tray
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    demo.sandbox.add_rows(CallKind.USER, [{
        "unique_call_id": call_id, "type": "user_inbound_missed",
        "caller_id": number, "caller_name": name, "dest_number": "61272013008",
        "user_name": "Me", "user_number": demo_controller.settings.my_extension,
        "call_start_at": now, "connected_at": None, "call_duration": 20,
        "conversation_duration": 0}
        for call_id, number, name in (("990000000077", NEW, "Jane Citizen"),
                                      ("990000000078", OTHER, None))])
    refresh(qtbot, demo_controller)
    # The new callers are named first, then the others counted.
    qtbot.waitUntil(lambda: "callbacks waiting: " in window.status.currentMessage(),
                    timeout=5000)
    told = window.status.currentMessage().split("callbacks waiting: ", 1)[1]
    named = told.split(" — View > Callbacks", 1)[0].split(" and ", 1)[0]
    assert sorted(named.split(", ")[:2]) == ["(03) 9876 0077 tried once",
                                             "0412 345 677 (Jane Citizen) tried once"]
    waiting = session.callbacks.worklist.waiting(session.callbacks.now_us())
    assert tray.callback_count == len(waiting)
    assert tray.tooltip() == f"pbxdesk — {len(waiting)} callbacks waiting"

    # A click on the notification (or Callbacks in the tray) opens the item.
    tray.sig_callback_requested.emit(NEW_E164)
    tab = window.callbacks_tab
    assert tab is not None
    assert window.tabs.currentWidget() is tab
    item = tab.current_item()
    assert item is not None
    assert item.number == NEW_E164

    # Enter: the number waits in the dial pad (calls are confirmed by default).
    demo.sandbox.script_next_call(destination_answers=False)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    pad = pad_of(demo_controller)
    assert pad.number.text().replace(" ", "") == "0412345677"
    qtbot.waitUntil(lambda: session.callbacks.worklist.by_number[NEW_E164].claim_us > 0,
                    timeout=5000)
    pad.call_button.click()
    qtbot.waitUntil(lambda: len(demo.sandbox.placed_calls()) == 1, timeout=5000)
    demo.sandbox.wait_for_calls()
    refresh(qtbot, demo_controller)
    tried = session.callbacks.worklist.by_number[NEW_E164]
    assert (tried.state, tried.tries) == (ItemState.TRIED, 1)

    # The other caller answers the call back: the item closes by itself.
    demo.sandbox.script_next_call(destination_answers=True)
    tab.show_item(OTHER_E164)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    assert pad.number.text().replace(" ", "") in {"0398760077", "(03)98760077"}
    pad.call_button.click()
    qtbot.waitUntil(lambda: len(demo.sandbox.placed_calls()) == 2, timeout=5000)
    demo.sandbox.wait_for_calls()
    refresh(qtbot, demo_controller)
    reached = session.callbacks.worklist.by_number[OTHER_E164]
    assert reached.state is ItemState.REACHED
    assert reached.closed_direction == 2  # we called out
    assert reached.closed_by == demo.sandbox.account.users[0].name
    assert "Reached: " in tab.model.status(reached)
