"""Where the keyboard focus lands when the histories appear."""

from __future__ import annotations

import asyncio

import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.api.models import CallKind
from pbxdesk.app import Controller
from pbxdesk.paths import AppPaths
from tests.ui.controller import make_controller, stop


def test_a_demo_start_focuses_the_user_calls_list(demo_controller: Controller) -> None:
    window = demo_controller.window
    assert window.focusWidget() is window.tabs_by_kind[CallKind.USER].view


def test_try_the_demo_moves_the_focus_from_the_welcome_page_to_the_list(
        qtbot: QtBot, qloop: qasync.QEventLoop, paths: AppPaths) -> None:
    controller = make_controller(paths, demo=False)
    started = asyncio.ensure_future(controller.start())
    qtbot.waitUntil(started.done, timeout=5000)
    window = controller.window
    window.welcome.demo_button.setFocus()
    assert window.focusWidget() is window.welcome.demo_button
    window.welcome.demo_button.click()
    qtbot.waitUntil(lambda: controller.session is not None, timeout=20_000)
    # Not the tab bar, which Qt picks when the focused button disappears.
    assert window.focusWidget() is window.tabs_by_kind[CallKind.USER].view
    stop(qtbot, controller)
