"""The sync in the whole app: refreshing never starves calling, and the tabs name the
days the PBX could not hand over whole.

The demo PBX counts what it receives; the window's F5 goes through the real
action, the call through the dial pad's Call button.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QLocale, Qt
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller
from pbxdesk.ui.dialpad import DialPad

HISTORY_ENDPOINTS = ("get-user-calls", "get-queue-calls", "get-ringgroup-calls")


def pad_of(controller: Controller) -> DialPad:
    pad = controller.window.pad
    assert pad is not None
    return pad


def history_requests(controller: Controller) -> int:
    assert controller.demo is not None
    counts = controller.demo.sandbox.request_counts
    return sum(counts.get(endpoint, 0) for endpoint in HISTORY_ENDPOINTS)


def test_f5_fifty_times_then_call_sends_the_post(qtbot: QtBot,
                                                 demo_controller: Controller) -> None:
    window = demo_controller.window
    applying = asyncio.ensure_future(demo_controller.apply_settings(
        demo_controller.settings.replace(confirm_before_dialling=False)))
    qtbot.waitUntil(applying.done, timeout=5000)
    before = history_requests(demo_controller)
    window.activateWindow()
    for _ in range(50):
        qtbot.keyClick(window, Qt.Key.Key_F5)
        qtbot.wait(5)
    qtbot.wait(300)
    # The first press refreshes (the sync at start was not the agent's); the other
    # forty-nine came while it ran or seconds after it: one refresh went out.
    assert history_requests(demo_controller) - before == len(HISTORY_ENDPOINTS)
    assert "Already up to date" in window.status.currentMessage()
    pad = pad_of(demo_controller)
    pad.number.setText("0412 345 678")
    pad.call_button.click()
    assert demo_controller.demo is not None
    sandbox = demo_controller.demo.sandbox
    qtbot.waitUntil(lambda: len(sandbox.placed_calls()) == 1, timeout=5000)
    assert sandbox.placed_calls()[0].destination == "61412345678"


def test_a_sync_that_finds_incomplete_days_shows_them_in_their_tab(
        qtbot: QtBot, demo_controller: Controller) -> None:
    session = demo_controller.session
    assert session is not None
    window = demo_controller.window
    assert not window.tabs_by_kind[CallKind.QUEUE].incomplete.isVisible()
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    session.store.sync.incomplete.update(CallKind.QUEUE, yesterday, yesterday,
                                         [(yesterday, 2400, "rows kept moving")],
                                         datetime.now(UTC))
    session.sync.sig_incomplete_changed.emit()  # what every finished sync says
    note = window.tabs_by_kind[CallKind.QUEUE].incomplete
    assert f"about {QLocale().toString(2400)} missing" in note.text.text()
    window.tabs.setCurrentWidget(window.tabs_by_kind[CallKind.QUEUE])
    qtbot.waitUntil(note.isVisible, timeout=3000)
    assert not window.tabs_by_kind[CallKind.USER].incomplete.isVisible()
