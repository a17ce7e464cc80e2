"""Driving the application controller in tests: a small demo PBX, start and stop."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller, Options
from pbxdesk.demo import DemoPbx
from pbxdesk.paths import AppPaths
from pbxdesk.ui.crash import CrashHandler


def small_demo() -> DemoPbx:
    return DemoPbx(calls=1200, days=20, live_traffic=False, clock_speed=1000.0)


def make_controller(paths: AppPaths, *, demo: bool, options: Options | None = None,
                    tray_available: bool = False) -> Controller:
    """A controller on a small demo; no tray unless asked (offscreen has none)."""
    return Controller(options or Options(demo=demo), paths,
                      CrashHandler(None, show_dialog=False), asyncio.Event(),
                      demo_factory=small_demo, tray_available=tray_available)


def start(qtbot: QtBot, controller: Controller, *, synced: bool) -> None:
    """Run ``controller.start()``; with ``synced``, wait for the first sync to finish."""
    started = asyncio.ensure_future(controller.start())
    qtbot.waitUntil(started.done, timeout=20_000)
    started.result()
    if synced:
        qtbot.waitUntil(lambda: controller.session is not None
                        and controller.session.sync.last_result is not None, timeout=20_000)


def stop(qtbot: QtBot, controller: Controller) -> None:
    stopping = asyncio.ensure_future(controller.shutdown())
    qtbot.waitUntil(stopping.done, timeout=20_000)
    stopping.result()
