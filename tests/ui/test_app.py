"""The whole window driven through the application controller, against a small demo PBX."""

from __future__ import annotations

import asyncio
import json

import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller
from pbxdesk.paths import AppPaths
from pbxdesk.settings import Settings, SettingsFile
from pbxdesk.store import CallFilter
from pbxdesk.ui.history import HistoryTab
from tests.ui.controller import make_controller, start, stop


def tab_total(tab: HistoryTab) -> int:
    return tab.model.total


def test_demo_shows_every_kind_of_call_in_its_tab(qtbot: QtBot,
                                                  demo_controller: Controller) -> None:
    session = demo_controller.session
    demo = demo_controller.demo
    assert session is not None
    assert demo is not None
    window = demo_controller.window
    for kind in CallKind:
        tab = window.tabs_by_kind[kind]
        expected = len(demo.sandbox.rows(kind))
        assert expected > 0
        # The default filter is the last 30 days; the demo spans 20, so everything shows.
        qtbot.waitUntil(lambda tab=tab, expected=expected: tab_total(tab) == expected,
                        timeout=5000)
        assert session.store.count(CallFilter(kinds=frozenset({kind}))) == expected
    assert "of" in window.tabs_by_kind[CallKind.USER].paging.label.text()
    assert window.status.budget_label.text().startswith("API budget")
    assert "Last synced" in window.status.synced_label.text()


def test_keyboard_switches_tabs_and_f5_refreshes(qtbot: QtBot,
                                                 demo_controller: Controller) -> None:
    window = demo_controller.window
    demo = demo_controller.demo
    assert demo is not None
    window.activateWindow()
    for index, key in enumerate((Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3)):
        qtbot.keyClick(window, key, Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentIndex() == index
    session = demo_controller.session
    assert session is not None
    before = demo.sandbox.request_count
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: demo.sandbox.request_count > before, timeout=5000)
    qtbot.waitUntil(lambda: not session.sync.running, timeout=10_000)
    # F5 again seconds later sends nothing now and says when it checks again.
    skipped: list[str] = []
    session.sync.sig_refresh_skipped.connect(skipped.append)
    after_first = demo.sandbox.request_count
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert len(skipped) == 1
    assert skipped[0].startswith("Already up to date")
    assert "Checking again in" in skipped[0]
    assert demo.sandbox.request_count == after_first


def test_settings_shortcut_opens_the_dialog_and_key_stays_out_of_files(
        qtbot: QtBot, demo_controller: Controller, paths: AppPaths) -> None:
    window = demo_controller.window
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(QDialog)),
                    timeout=3000)
    demo = demo_controller.demo
    assert demo is not None
    for file in paths.config_dir.rglob("*"):
        if file.is_file():
            assert demo.api_key not in file.read_text(errors="replace")


def test_first_run_shows_welcome_and_try_the_demo_connects(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=False)
    started = asyncio.ensure_future(controller.start())
    qtbot.waitUntil(started.done, timeout=5000)
    window = controller.window
    assert window.stack.currentWidget() is window.welcome
    assert not window.refresh_action.isEnabled()
    window.welcome.demo_button.click()
    qtbot.waitUntil(lambda: controller.session is not None
                    and controller.session.sync.last_result is not None, timeout=20_000)
    assert window.stack.currentWidget() is not window.welcome
    # The demo's settings never reach the real profile.
    assert not paths.settings_file.exists() or \
        json.loads(paths.settings_file.read_text())["settings"]["base_url"] == ""
    # …nor do its calls: they live in a throw-away folder.
    assert not list(paths.data_dir.glob("*.sqlite3"))
    stopping = asyncio.ensure_future(controller.shutdown())
    qtbot.waitUntil(stopping.done, timeout=20_000)
    stopping.result()
    assert controller.session is None
    assert controller.demo is None


def test_saved_settings_without_a_remembered_key_ask_for_it(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    SettingsFile(paths.settings_file).save(
        Settings(base_url="https://pbx.example.com", key_storage="none"))
    controller = make_controller(paths, demo=False)
    started = asyncio.ensure_future(controller.start())
    qtbot.waitUntil(started.done, timeout=5000)
    banner = controller.window.banner
    assert "API key" in banner.text()
    assert banner.action_text() == "Open settings"
    assert controller.session is None
    stopping = asyncio.ensure_future(controller.shutdown())
    qtbot.waitUntil(stopping.done, timeout=5000)


def test_a_closed_dial_pad_stays_closed_next_time(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    first = make_controller(paths, demo=True)
    start(qtbot, first, synced=False)
    first.window.pad_dock.hide()  # the user closed the dial pad
    stop(qtbot, first)
    assert paths.ui_state_file.exists()

    second = make_controller(paths, demo=True)
    start(qtbot, second, synced=False)
    assert second.window.pad is not None
    assert not second.window.pad_dock.isVisible()
    stop(qtbot, second)


def test_quit_has_ctrl_q_everywhere(demo_controller: Controller) -> None:
    assert QKeySequence("Ctrl+Q") in demo_controller.window.quit_action.shortcuts()


def test_the_dial_pad_goes_with_its_account(qtbot: QtBot, demo_controller: Controller) -> None:
    window = demo_controller.window
    assert window.pad is not None
    assert window.pad_dock.isVisible()
    closing = asyncio.ensure_future(demo_controller.close_session())
    qtbot.waitUntil(closing.done, timeout=10_000)
    assert window.pad is None
    assert not window.pad_dock.isVisible()
    assert window.pad_dock.wanted  # hidden for want of an account, not by the user
