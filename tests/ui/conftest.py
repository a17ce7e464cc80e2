"""Fixtures for tests that drive the whole app through its controller."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import qasync
from pytestqt.qtbot import QtBot

from pbxdesk.app import Controller
from pbxdesk.paths import AppPaths
from tests.ui.controller import make_controller, start, stop


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    made = AppPaths.under(tmp_path / "profile")
    made.ensure()
    return made


@pytest.fixture
def demo_controller(qtbot: QtBot, qloop: qasync.QEventLoop,
                    paths: AppPaths) -> Iterator[Controller]:
    controller = make_controller(paths, demo=True)
    start(qtbot, controller, synced=True)
    yield controller
    stop(qtbot, controller)
