"""Garbage collection runs on the GUI thread only while the app runs."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QObject, QTimer
from pytestqt.qtbot import QtBot

from pbxdesk.ui import collector
from pbxdesk.ui.collector import GuiThreadCollector


class Cycle:
    """Cyclic garbage holding a Qt object with a running timer."""

    def __init__(self) -> None:
        self.me = self
        self.owner = QObject()
        self.timer = QTimer(self.owner)
        self.timer.start(60_000)


@pytest.fixture
def running(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> Iterator[GuiThreadCollector]:
    monkeypatch.setattr(collector, "CHECK_MS", 20)
    gc.enable()  # as Python starts: the suite keeps it off (tests/conftest.py)
    made = GuiThreadCollector()
    made.start()
    yield made
    if made.running:
        made.stop()
    gc.disable()


def test_while_running_worker_threads_never_collect(running: GuiThreadCollector) -> None:
    assert not gc.isenabled()
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle

    def allocate() -> None:  # far past the young generation's threshold
        junk = [[] for _ in range(50 * gc.get_threshold()[0])]
        del junk

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert alive() is not None


def test_the_timer_collects_on_the_gui_thread(qtbot: QtBot,
                                              running: GuiThreadCollector) -> None:
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    junk = [[] for _ in range(2 * gc.get_threshold()[0])]
    qtbot.waitUntil(lambda: alive() is None, timeout=3000)
    del junk


def test_stop_gives_collection_back(running: GuiThreadCollector) -> None:
    running.stop()
    assert gc.isenabled()
    assert not running.running
