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
    # Python's default, as the app finds it (the suite keeps it off: tests/fixtures/garbage.py).
    was_enabled = gc.isenabled()
    gc.enable()
    made = GuiThreadCollector()
    made.start()
    yield made
    if made.running:
        made.stop()
    if not was_enabled:
        gc.disable()


def allocate_on_a_worker_thread() -> None:
    """Allocate far past the young generation's threshold on a thread of its own."""
    def allocate() -> None:
        junk = [[] for _ in range(50 * gc.get_threshold()[0])]
        del junk

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()


def test_while_running_worker_threads_never_collect(running: GuiThreadCollector) -> None:
    assert not gc.isenabled()
    cycle = Cycle()
    alive = weakref.ref(cycle)
    del cycle
    allocate_on_a_worker_thread()
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
